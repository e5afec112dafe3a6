import type { LayerStack } from '../../inspect/layer-stack.js';
import type { LayerInfo } from '../../inspect/types.js';
import { type Evidence, fileEvidence } from '../evidence.js';
import type { DevDependency } from '../image-facts.js';
import { type DevDepsLayerResult, getOwn } from './layer-result.js';
import type { HiddenLockfile } from './npm-lockfile.js';
import { pnpmStoreVersion } from './pnpm-modules.js';
import { visibleFile, type VisibleRecord, visibleRecord } from './visible-record.js';

type Layers = ReadonlyArray<{ info: LayerInfo; result: DevDepsLayerResult }>;

/** npm package names (scoped or not); anything else could climb out of node_modules when joined. */
const PACKAGE_NAME = /^(?:@[^/@\s]+\/)?[^/@\s]+$/;

function validName(name: string): boolean {
  return PACKAGE_NAME.test(name) && !name.split('/').some((part) => part === '.' || part === '..');
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/**
 * Node dev dependencies installed in the final filesystem. An app root is a folder with a
 * `package.json` and a sibling `node_modules/` folder. Then:
 * - each `devDependencies` name whose `node_modules/<name>/package.json` is present (pnpm's
 *   symlinks into `node_modules/.pnpm` followed) is a direct dev dependency, unless the project
 *   also lists it as a runtime dependency, npm's hidden lockfile lists it without `"dev": true`
 *   (production needs it), or the install says it left dev dependencies out (pnpm
 *   `.modules.yaml` `included.devDependencies: false`, yarn v1 `.yarn-integrity` flag
 *   `production`): then whatever is there came in for production;
 * - each other top-level package the hidden lockfile marks `"dev": true` and that is present came
 *   in through dev dependencies (`direct: false`), also for a `node_modules` without a
 *   `package.json` beside it;
 * - where node_modules has no hidden lockfile, the project's `npm-shrinkwrap.json` or
 *   `package-lock.json` (v1, v2 or v3) plays its part, for packages present in node_modules only.
 * Versions come from the installed `package.json`, else the pnpm store folder, else the lockfile.
 */
export function findNodeDevPackages(stack: LayerStack, layers: Layers): DevDependency[] {
  const found: DevDependency[] = [];
  const infos = layers.map((layer) => layer.info);
  const handledLocks = new Set<string>();

  const installedPackage = (
    nodeModules: string,
    name: string,
    lockVersion: string | undefined,
  ): { evidence: Evidence; version?: string } | undefined => {
    const file = visibleFile(stack, infos, `${nodeModules}/${name}/package.json`);
    if (!file) return undefined;
    const installed = getOwn(layers[file.info.index].result.installed, file.path);
    const version =
      installed?.version ??
      pnpmStoreVersion(file.path, name) ??
      (lockVersion === '' ? undefined : lockVersion);
    return {
      evidence: fileEvidence(file.info, file.path, stack, version ? { detail: `${name} ${version}` } : {}),
      ...(version ? { version } : {}),
    };
  };

  const manifestPaths = new Set(layers.flatMap((layer) => Object.keys(layer.result.manifests)));
  for (const manifestPath of [...manifestPaths].sort()) {
    const manifest = visibleRecord(stack, layers, (r) => r.manifests, manifestPath);
    if (!manifest || manifest.path !== manifestPath) continue;
    const nodeModules = join(dirname(manifestPath), 'node_modules');
    if (stack.resolve(nodeModules)?.entry.kind !== 'directory') continue;
    const lockPath = `${nodeModules}/.package-lock.json`;
    const lock = visibleRecord(stack, layers, (r) => r.lockfiles, lockPath);
    const pnpm = visibleRecord(stack, layers, (r) => r.pnpm, `${nodeModules}/.modules.yaml`);
    const yarn = visibleRecord(stack, layers, (r) => r.yarn, `${nodeModules}/.yarn-integrity`);
    if (lock) handledLocks.add(lock.path);
    if (pnpm?.value.devDependencies === false || yarn?.value.production === true) continue;
    const marks = lock ?? projectLockfile(dirname(manifestPath), nodeModules);
    const ecosystem = pnpm ? 'pnpm' : yarn ? 'yarn' : 'npm';
    const runtime = new Set(manifest.value.runtimeDependencies);
    const neededByProduction = new Set(marks?.value.other ?? []);
    const direct = new Set(manifest.value.devDependencies);
    const manifestEvidence = fileEvidence(manifest.info, manifest.path, stack, { detail: 'devDependencies' });
    const installFacts = [
      pnpm?.value.devDependencies === true ? `pnpm installed devDependencies (/${pnpm.path})` : undefined,
      yarn?.value.production === false ? `yarn installed without --production (/${yarn.path})` : undefined,
    ].filter((text): text is string => text !== undefined);

    for (const name of manifest.value.devDependencies) {
      if (!validName(name) || runtime.has(name) || neededByProduction.has(name)) continue;
      const lockVersion = marks ? getOwn(marks.value.dev, name) : undefined;
      const installed = installedPackage(nodeModules, name, lockVersion);
      if (!installed) continue;
      const reasons = [`devDependencies of /${manifest.path}`, ...installFacts];
      if (lockVersion !== undefined && marks) reasons.push(`"dev": true in /${marks.path}`);
      found.push({
        ecosystem,
        name,
        ...(installed.version ? { version: installed.version } : {}),
        reason: reasons.join('; '),
        direct: true,
        evidence: [installed.evidence, manifestEvidence],
      });
    }
    if (marks) found.push(...lockOnly(marks.value.dev, marks.path, marks.info, nodeModules, direct, runtime));
  }

  // Hidden lockfiles of node_modules folders without a project manifest beside them.
  const lockPaths = new Set(layers.flatMap((layer) => Object.keys(layer.result.lockfiles)));
  for (const lockPath of [...lockPaths].sort()) {
    const lock = visibleRecord(stack, layers, (r) => r.lockfiles, lockPath);
    if (!lock || handledLocks.has(lock.path) || lock.path !== lockPath) continue;
    found.push(...lockOnly(lock.value.dev, lock.path, lock.info, dirname(lockPath), new Set(), new Set()));
  }
  return found;

  /**
   * The project lockfile npm installed `nodeModules` from, when node_modules has no hidden
   * lockfile (npm 5/6, or a tree copied without it): `npm-shrinkwrap.json`, which npm prefers,
   * else `package-lock.json`. Not when another package manager's marker says it installed the
   * tree (pnpm `.modules.yaml`, yarn `.yarn-integrity` or `.yarn-state.yml`): then the lockfile is
   * not what was installed. A lockfile lists what an install *would* bring; `npm ci --omit=dev`
   * keeps the lockfile and leaves the dev packages out, so only packages present count (the
   * callers check each one in node_modules).
   */
  function projectLockfile(dir: string, nodeModules: string): VisibleRecord<HiddenLockfile> | undefined {
    for (const marker of ['.modules.yaml', '.yarn-integrity', '.yarn-state.yml']) {
      if (stack.resolve(`${nodeModules}/${marker}`) !== undefined) return undefined;
    }
    for (const name of ['npm-shrinkwrap.json', 'package-lock.json']) {
      const path = join(dir, name);
      const record = visibleRecord(stack, layers, (r) => r.projectLockfiles, path);
      if (record) return record;
    }
    return undefined;
  }

  function lockOnly(
    dev: Record<string, string>,
    lockPath: string,
    lockInfo: LayerInfo,
    nodeModules: string,
    skip: ReadonlySet<string>,
    runtime: ReadonlySet<string>,
  ): DevDependency[] {
    const lockEvidence = fileEvidence(lockInfo, lockPath, stack, { detail: '"dev": true' });
    const packages: DevDependency[] = [];
    for (const name of Object.keys(dev).sort()) {
      if (skip.has(name) || runtime.has(name) || !validName(name)) continue;
      const installed = installedPackage(nodeModules, name, getOwn(dev, name));
      if (!installed) continue;
      packages.push({
        ecosystem: 'npm',
        name,
        ...(installed.version ? { version: installed.version } : {}),
        reason: `"dev": true in /${lockPath}`,
        direct: false,
        evidence: [installed.evidence, lockEvidence],
      });
    }
    return packages;
  }
}
