import type { LayerStack } from '../../inspect/layer-stack.js';
import type { LayerInfo } from '../../inspect/types.js';
import { fileEvidence } from '../evidence.js';
import type { DevDependency } from '../image-facts.js';
import { type DevDepsLayerResult, getOwn } from './layer-result.js';
import { archiveOf, type PnpManifest, pnpVersion } from './yarn-pnp.js';
import { visibleFile, visibleRecord } from './visible-record.js';

type Layers = ReadonlyArray<{ info: LayerInfo; result: DevDepsLayerResult }>;

export interface PnpFindings {
  packages: DevDependency[];
  /** True for a file Plug'n'Play reads at run time (a cache archive it points into): no leftover. */
  inUse: (path: string) => boolean;
}

const LOADERS = new Set(['.pnp.cjs', '.pnp.js']);

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/**
 * Yarn Plug'n'Play apps of the final filesystem: a loader (`.pnp.cjs`, Yarn 2's `.pnp.js`) with
 * its package registry inline or in `.pnp.data.json`. At run time the loader reads packages
 * straight out of the zip archives of the Yarn cache (the project's `.yarn/cache`, or the global
 * `~/.yarn/berry/cache` with `enableGlobalCache`), so the archives it points into are the app's
 * dependency tree, not a leftover; archives no loader points into (Yarn 3's global mirror copy,
 * packages a `--production` focus left out, a cache beside a node_modules install) are. When a
 * registry cannot be read, every Yarn cache archive of its project and of the global caches
 * counts as in use (no false alarm on what we could not read).
 *
 * Dev dependencies: a workspace's `package.json` `devDependencies` that its registry entry links
 * and whose archive (or unplugged folder) is present, minus those also listed as runtime
 * dependencies. Only direct ones: the registry marks no dev-only transitive packages.
 */
export function findPnpDevPackages(stack: LayerStack, layers: Layers): PnpFindings {
  const infos = layers.map((layer) => layer.info);
  const packages: DevDependency[] = [];
  const archives = new Set<string>();
  const unreadProjects: string[] = [];
  let unreadAny = false;

  const loaderPaths = new Set(
    layers.flatMap((layer) =>
      Object.keys(layer.result.pnp).filter((p) => LOADERS.has(p.slice(p.lastIndexOf('/') + 1))),
    ),
  );
  for (const loaderPath of [...loaderPaths].sort()) {
    const loader = visibleRecord(stack, layers, (r) => r.pnp, loaderPath);
    if (!loader || loader.path !== loaderPath) continue;
    let manifest: PnpManifest = loader.value;
    let registryPath = loader.path;
    let registryInfo = loader.info;
    if (manifest.dataFile !== undefined) {
      const data = visibleRecord(stack, layers, (r) => r.pnp, manifest.dataFile);
      manifest = data?.value ?? { complete: false, archives: [], workspaces: [] };
      if (data) {
        registryPath = data.path;
        registryInfo = data.info;
      }
    }
    if (!manifest.complete) {
      unreadProjects.push(`${join(dirname(loaderPath), '.yarn/cache')}/`);
      unreadAny = true;
      continue;
    }
    for (const archive of manifest.archives) archives.add(archive);
    const registryEvidence = fileEvidence(registryInfo, registryPath, stack, {
      detail: "Yarn Plug'n'Play package registry",
    });

    for (const workspace of manifest.workspaces) {
      const manifestPath = join(workspace.location, 'package.json');
      const pkg = visibleRecord(stack, layers, (r) => r.manifests, manifestPath);
      if (!pkg) continue;
      const runtime = new Set(pkg.value.runtimeDependencies);
      const manifestEvidence = fileEvidence(pkg.info, pkg.path, stack, { detail: 'devDependencies' });
      for (const name of pkg.value.devDependencies) {
        if (runtime.has(name)) continue;
        const locator = getOwn(workspace.dependencies, name);
        if (!locator) continue;
        const archive = archiveOf(locator.location);
        const file = visibleFile(stack, infos, archive ?? join(locator.location, 'package.json'));
        if (!file) continue;
        const version = pnpVersion(locator.reference);
        packages.push({
          ecosystem: 'yarn',
          name,
          ...(version ? { version } : {}),
          reason: `devDependencies of /${pkg.path}; linked by Yarn Plug'n'Play (/${registryPath})`,
          direct: true,
          evidence: [
            fileEvidence(file.info, file.path, stack, { detail: version ? `${name} ${version}` : name }),
            manifestEvidence,
            registryEvidence,
          ],
        });
      }
    }
  }

  const inUse = (path: string): boolean => {
    if (archives.has(path)) return true;
    if (!unreadAny || !path.endsWith('.zip')) return false;
    return path.includes('/.yarn/berry/cache/') || unreadProjects.some((prefix) => path.startsWith(prefix));
  };
  return { packages, inUse };
}
