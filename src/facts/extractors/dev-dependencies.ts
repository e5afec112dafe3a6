import type { CheckDefinition, ReportFinding } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import { parseComposerInstalled, parseComposerManifest } from '../dev-deps/composer.js';
import { findComposerDevPackages } from '../dev-deps/find-composer-dev-packages.js';
import { findLeftovers } from '../dev-deps/find-leftovers.js';
import { findNodeDevPackages } from '../dev-deps/find-node-dev-packages.js';
import { findPnpDevPackages } from '../dev-deps/find-pnp-dev-packages.js';
import { findPythonDevTools } from '../dev-deps/find-python-dev-tools.js';
import { type DevDepsLayerResult, emptyLayerResult, setOwn } from '../dev-deps/layer-result.js';
import { isSystemPath, type LeftoverKind } from '../dev-deps/leftover-rules.js';
import { parseHiddenLockfile } from '../dev-deps/npm-lockfile.js';
import { parsePackageManifest, readInstalledPackageJson } from '../dev-deps/package-json.js';
import { parsePnpmModules } from '../dev-deps/pnpm-modules.js';
import { parsePythonMetadataEntry, PYTHON_DEV_TOOLS } from '../dev-deps/python-dev-tools.js';
import { parseYarnIntegrity } from '../dev-deps/yarn.js';
import { parsePnpManifest } from '../dev-deps/yarn-pnp.js';
import { visibleFile } from '../dev-deps/visible-record.js';
import type { FactExtractor } from '../extractor.js';
import type { DevDependenciesSection, DevDependency, ImageFacts } from '../image-facts.js';
import type { LayerEntry, Want } from '../../inspect/types.js';

const KIB = 1024;
const MIB = 1024 * KIB;
/** Project manifests: names of dependencies only; 256 KiB is far beyond any real one. */
const MANIFEST_CAP = 256 * KIB;
/** Installed packages: only name and version, near the top (a truncated file is still read). */
const INSTALLED_CAP = 8 * KIB;
/** Hidden lockfiles and Composer's installed.json run to megabytes; the walker's per-file cap applies too. */
const LOCKFILE_CAP = 16 * MIB;
const PNPM_MODULES_CAP = 4 * MIB;
/** `flags` sits before the long `lockfileEntries`. */
const YARN_INTEGRITY_CAP = 64 * KIB;

type Role =
  | 'manifest'
  | 'installed'
  | 'lockfile'
  | 'project-lockfile'
  | 'pnp'
  | 'pnpm'
  | 'yarn'
  | 'composer'
  | 'composer-manifest'
  | 'python';

function parentIsNodeModules(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const parent = slash < 0 ? '' : path.slice(0, slash);
  return parent === 'node_modules' || parent.endsWith('/node_modules');
}

/** `…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`, not nested in another node_modules. */
function isTopLevelInstalled(path: string): boolean {
  const first = path.indexOf('node_modules/');
  if (first < 0 || first !== path.lastIndexOf('node_modules/')) return false;
  return /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/]+\/package\.json$/.test(path);
}

/** Which file this is for the detector, decided from the path alone (so `wants` and `onEntry` agree). */
function roleOf(entry: Pick<LayerEntry, 'path' | 'type'>): Role | undefined {
  const path = entry.path;
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (entry.type === 'file') {
    switch (base) {
      case 'package.json':
        if (isSystemPath(path)) return undefined;
        if (!path.includes('node_modules/')) return 'manifest';
        return isTopLevelInstalled(path) ? 'installed' : undefined;
      case '.package-lock.json':
        return parentIsNodeModules(path) && !isSystemPath(path) ? 'lockfile' : undefined;
      // npm never publishes a package-lock.json; a shrinkwrap inside node_modules is the package's own.
      case 'package-lock.json':
      case 'npm-shrinkwrap.json':
        return !path.includes('node_modules/') && !isSystemPath(path) ? 'project-lockfile' : undefined;
      case '.pnp.cjs':
      case '.pnp.js':
      case '.pnp.data.json':
        return !path.includes('node_modules/') && !isSystemPath(path) ? 'pnp' : undefined;
      case '.modules.yaml':
        return parentIsNodeModules(path) && !isSystemPath(path) ? 'pnpm' : undefined;
      case '.yarn-integrity':
        return parentIsNodeModules(path) && !isSystemPath(path) ? 'yarn' : undefined;
      case 'installed.json':
        return /(?:^|\/)vendor\/composer\/installed\.json$/.test(path) && !isSystemPath(path)
          ? 'composer'
          : undefined;
      case 'composer.json':
        return !/(?:^|\/)vendor\//.test(path) && !isSystemPath(path) ? 'composer-manifest' : undefined;
    }
  }
  if (
    (entry.type === 'file' || entry.type === 'hardlink') &&
    (base === 'METADATA' || base === 'PKG-INFO' || base.endsWith('.egg-info')) &&
    path.includes('-packages/')
  ) {
    const dist = parsePythonMetadataEntry(path, entry.type);
    return dist && PYTHON_DEV_TOOLS.has(dist.name) ? 'python' : undefined;
  }
  return undefined;
}

const WANTS: Record<Role, Want> = {
  manifest: { content: MANIFEST_CAP },
  installed: { content: INSTALLED_CAP },
  lockfile: { content: LOCKFILE_CAP },
  'project-lockfile': { content: LOCKFILE_CAP },
  pnp: { content: LOCKFILE_CAP },
  pnpm: { content: PNPM_MODULES_CAP },
  yarn: { content: YARN_INTEGRITY_CAP },
  composer: { content: LOCKFILE_CAP },
  'composer-manifest': { content: MANIFEST_CAP },
  python: 'header',
};

const CATEGORY = 'Dev dependencies and build leftovers';

const LEFTOVER_CHECKS: Record<LeftoverKind, CheckDefinition> = {
  'test-suite': {
    id: 'test-suite-present',
    title: 'Test suite in the image',
    severity: 'low',
    category: CATEGORY,
    description:
      'Test folders (`__tests__`, `test`, `tests`, `spec`) and test files (`*.test.*`, `*.spec.*`, `*_test.go`) of the application, one finding per folder or per project. Not inside dependency trees (`node_modules`, `site-packages`, `dist-packages`, `vendor`…), hidden tool folders or distribution paths (`/usr` except `/usr/src` and known app folders, `/lib`, `/etc`, `/var/lib`…), where tests belong to the package that ships them.',
    remedy: REMEDIES.buildOutputOnly,
  },
  'typescript-source': {
    id: 'typescript-source-present',
    title: 'TypeScript sources next to the built JavaScript',
    severity: 'low',
    category: CATEGORY,
    description:
      'TypeScript sources (`.ts`, `.tsx`, `.mts`, `.cts`; not `.d.ts`) of a project (the folder of the nearest `package.json` or `tsconfig.json`) that also holds compiled JavaScript of the same name (`src/x.ts` and `dist/x.js`). A project without compiled counterparts runs its TypeScript (Deno, Bun, ts-node) and is not flagged; dependency trees and distribution paths are skipped.',
    remedy: REMEDIES.buildOutputOnly,
  },
  'source-map': {
    id: 'source-map-present',
    title: 'Source maps in the image',
    severity: 'low',
    category: CATEGORY,
    description:
      'Source maps of JavaScript, CSS and TypeScript (`*.js.map`, `*.mjs.map`, `*.cjs.map`, `*.css.map`, `*.ts.map`…) in application folders, one finding per project: they expose the original sources. Maps shipped inside dependency trees (`node_modules` and the like) are the dependency’s choice and are not flagged; other `*.map` files (kernel `System.map`, keymaps) are no source maps.',
    remedy: REMEDIES.buildOutputOnly,
  },
  'git-directory': {
    id: 'git-directory-present',
    title: 'Git repository in the image',
    severity: 'medium',
    category: CATEGORY,
    description:
      'A `.git` folder (or worktree `.git` file) outside dependency trees and distribution paths: it carries the full history of the sources, often more than the build needed, and remote URLs.',
    remedy: REMEDIES.buildContext,
  },
  dockerfile: {
    id: 'dockerfile-present',
    title: 'Dockerfile in the image',
    severity: 'low',
    category: CATEGORY,
    description:
      '`Dockerfile`, `Dockerfile.*`, `*.dockerfile` or `Containerfile` copied into the image (usually by `COPY . .` without a `.dockerignore`), outside dependency trees and distribution paths (where package docs ship examples).',
    remedy: REMEDIES.buildContext,
  },
  'compose-file': {
    id: 'compose-file-present',
    title: 'Compose file in the image',
    severity: 'low',
    category: CATEGORY,
    description:
      '`docker-compose*.yml`/`.yaml` or `compose*.yml`/`.yaml` copied into the image, outside dependency trees and distribution paths. Compose files often name hosts and credentials of other environments.',
    remedy: REMEDIES.buildContext,
  },
  'editor-folder': {
    id: 'editor-folder-present',
    title: 'Editor folder or swap file in the image',
    severity: 'low',
    category: CATEGORY,
    description:
      '`.vscode` and `.idea` folders and vim swap files (`.*.swp`, `.*.swo`) outside dependency trees and distribution paths.',
    remedy: REMEDIES.buildContext,
  },
  'package-cache': {
    id: 'package-cache-present',
    title: 'Package-manager cache in the image',
    severity: 'low',
    category: CATEGORY,
    description:
      "A package-manager cache holding files in the final image, with their bytes: `~/.npm` (debug logs excepted), `~/.cache/{pip,uv,yarn,pnpm,pypoetry,composer,go-build}`, `~/.composer/cache`, `~/.local/share/pnpm/store`, a project `.pnpm-store`, `/usr/local/share/.cache/yarn`, `/var/cache/apk`, `/var/lib/apt/lists`, `/var/cache/apt` (lock files excepted), `/var/cache/{yum,dnf,libdnf5,tdnf}` (lock files, mirror timings and the makecache stamp that `yum/dnf clean all` leaves excepted), Go module, Cargo registry, Maven and Gradle caches (`~` is `/root` and every `/home/*`). Yarn Berry: the zip archives of a project's `.yarn/cache` and of `~/.yarn/berry/cache` that no Plug'n'Play loader (`.pnp.cjs`) points into (those it points into are the app's dependency tree, read at run time), and a project's `.yarn/install-state.gz` and `.yarn/build-state.yml`. Conda caches and pip's temporary build folders are not covered.",
    remedy: REMEDIES.packageCache,
  },
};

const DEV_DEPENDENCY_CHECK: CheckDefinition = {
  id: 'dev-dependency-present',
  title: 'Development dependency installed',
  severity: 'medium',
  category: CATEGORY,
  description:
    "Packages only development needs, present in the final image. npm/pnpm/yarn: a project `package.json` with a sibling `node_modules/` whose `devDependencies` are installed there (unless also a runtime dependency, marked needed by production in `node_modules/.package-lock.json`, or the install left dev dependencies out per pnpm `.modules.yaml` or yarn `.yarn-integrity`), and every package the hidden lockfile marks `\"dev\": true` (reported together per lockfile); without a hidden lockfile (npm 5/6), the project `npm-shrinkwrap.json` or `package-lock.json` (v1 to v3) serves instead, for the packages present in `node_modules` only (`npm ci --omit=dev` keeps the lockfile, not the packages); Yarn Plug'n'Play: a workspace's `devDependencies` that its `.pnp.cjs` (or `.pnp.data.json`) links and whose cache archive is present; Composer `vendor/composer/installed.json` `dev-package-names` present in `vendor/`; Python test, lint, format, type-check and debug tools (pytest, mypy, black, ruff, flake8, pylint, isort, coverage, tox, nox, pre-commit, ipython, ipdb, bandit…) by their `*.dist-info`/`*.egg-info` in site-packages or dist-packages. Packages a later layer removed (`npm prune --omit=dev`) are not reported.",
  remedy: REMEDIES.devDependencies,
};

const EVIDENCE_ARRAY = { type: 'array', minItems: 1, items: { $ref: '#/$defs/evidence' } };

const SECTION_SCHEMA = {
  description:
    'Dev-only packages and build leftovers present in the final filesystem (what a later layer removed is not listed).',
  type: 'object',
  required: ['packages', 'leftovers', 'incomplete'],
  additionalProperties: false,
  properties: {
    packages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ecosystem', 'name', 'reason', 'evidence'],
        additionalProperties: false,
        properties: {
          ecosystem: { enum: ['npm', 'pnpm', 'yarn', 'python', 'composer'] },
          name: { type: 'string' },
          version: { type: 'string' },
          reason: { type: 'string' },
          direct: { type: 'boolean' },
          evidence: EVIDENCE_ARRAY,
        },
      },
    },
    leftovers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'path', 'files', 'bytes', 'evidence'],
        additionalProperties: false,
        properties: {
          kind: { enum: Object.keys(LEFTOVER_CHECKS) },
          path: { type: 'string' },
          files: { type: 'integer', minimum: 1 },
          bytes: { type: 'integer', minimum: 0 },
          evidence: EVIDENCE_ARRAY,
        },
      },
    },
    incomplete: {
      description: 'Dependency records present in the image but not read in full, with why.',
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'reason'],
        additionalProperties: false,
        properties: { path: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
} as const;

const PROJECT_FILES_NEEDING_NODE_MODULES = new Set([
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
]);

function describeCut(content: Buffer, entry: LayerEntry): string | undefined {
  return content.length < entry.size ? `read the first ${content.length} of ${entry.size} bytes` : undefined;
}

/**
 * Dev dependencies (npm, pnpm, yarn v1 and Plug'n'Play, Composer, Python dev tools) and build leftovers (test
 * suites, TypeScript sources beside their JavaScript, source maps, `.git`, Dockerfiles and compose
 * files, editor folders, package caches) in the final filesystem. Content is read only for the
 * few dependency records named above, with caps; leftovers come from the merged file table.
 */
export const devDependencies: FactExtractor<DevDepsLayerResult> = {
  id: 'dev-dependencies',
  version: 2,
  checks: [DEV_DEPENDENCY_CHECK, ...Object.values(LEFTOVER_CHECKS)],
  schema: { devDependencies: SECTION_SCHEMA },
  wants(entry) {
    const role = roleOf(entry);
    return role === undefined ? false : WANTS[role];
  },
  collect() {
    const result = emptyLayerResult();
    return {
      onEntry(entry, content) {
        const role = roleOf(entry);
        if (role === 'python') {
          const dist = parsePythonMetadataEntry(entry.path, entry.type);
          if (dist) setOwn(result.python, entry.path, dist);
          return;
        }
        if (role === undefined || content === undefined) return;
        const text = content.toString('utf8');
        const cut = describeCut(content, entry);
        const path = entry.path;
        switch (role) {
          case 'manifest': {
            const manifest = parsePackageManifest(text);
            if (manifest) setOwn(result.manifests, path, manifest);
            else setOwn(result.unread, path, cut ?? 'not a JSON object');
            break;
          }
          case 'installed':
            setOwn(result.installed, path, readInstalledPackageJson(text));
            break;
          case 'lockfile': {
            const lock = parseHiddenLockfile(text);
            setOwn(result.lockfiles, path, lock);
            if (!lock.complete) {
              const read = Object.keys(lock.dev).length + lock.other.length;
              setOwn(result.unread, path, `${cut ?? 'not valid JSON'}; ${read} top-level packages read`);
            }
            break;
          }
          case 'project-lockfile': {
            const lock = parseHiddenLockfile(text);
            setOwn(result.projectLockfiles, path, lock);
            if (!lock.complete) {
              const read = Object.keys(lock.dev).length + lock.other.length;
              setOwn(result.unread, path, `${cut ?? 'not valid JSON'}; ${read} top-level packages read`);
            }
            break;
          }
          case 'pnp': {
            const pnp = parsePnpManifest(text, path);
            setOwn(result.pnp, path, pnp);
            if (!pnp.complete) setOwn(result.unread, path, cut ?? "no Plug'n'Play package registry found");
            break;
          }
          case 'pnpm':
            setOwn(result.pnpm, path, parsePnpmModules(text));
            break;
          case 'yarn':
            setOwn(result.yarn, path, parseYarnIntegrity(text));
            break;
          case 'composer': {
            const installed = parseComposerInstalled(text);
            if (installed) setOwn(result.composer, path, installed);
            else setOwn(result.unread, path, cut ?? 'not valid JSON');
            break;
          }
          case 'composer-manifest': {
            const manifest = parseComposerManifest(text);
            if (manifest) setOwn(result.composerManifests, path, manifest);
            break;
          }
        }
      },
      finish: () => result,
    };
  },
  assemble({ layers, stack }) {
    const infos = layers.map((layer) => layer.info);
    const incomplete: DevDependenciesSection['incomplete'] = [];
    for (const { info, result } of layers) {
      for (const [path, reason] of Object.entries(result.unread)) {
        const visible = visibleFile(stack, infos, path);
        if (!visible || visible.info.index !== info.index || visible.path !== path) continue;
        // A broken package.json or project lockfile matters only where it would name an app's
        // dev dependencies: beside a node_modules folder.
        const base = path.slice(path.lastIndexOf('/') + 1);
        if (
          PROJECT_FILES_NEEDING_NODE_MODULES.has(base) &&
          stack.resolve(`${path.slice(0, path.length - base.length)}node_modules`) === undefined
        ) {
          continue;
        }
        incomplete.push({ path: `/${path}`, reason });
      }
    }
    const pnp = findPnpDevPackages(stack, layers);
    const section: DevDependenciesSection = {
      packages: [
        ...findNodeDevPackages(stack, layers),
        ...pnp.packages,
        ...findComposerDevPackages(stack, layers),
        ...findPythonDevTools(stack, layers),
      ],
      leftovers: findLeftovers(stack, infos, pnp.inUse),
      incomplete: incomplete.sort((a, b) => a.path.localeCompare(b.path)),
    };
    return { devDependencies: section };
  },
  findings(facts: ImageFacts) {
    const section = facts.devDependencies;
    if (!section) return [];
    return [...packageFindings(section.packages), ...section.leftovers.map(leftoverFinding)];
  },
};

function nameAndVersion(pkg: DevDependency): string {
  return pkg.version ? `${pkg.name} ${pkg.version}` : pkg.name;
}

/**
 * One finding per direct dev dependency or Python tool; packages only a lockfile marks as dev
 * (jest alone pulls in hundreds) are reported together, one finding per lockfile.
 */
function packageFindings(packages: readonly DevDependency[]): ReportFinding[] {
  const findings: ReportFinding[] = [];
  const transitive = new Map<string, DevDependency[]>();
  for (const pkg of packages) {
    if (pkg.direct === false) {
      const key = `${pkg.ecosystem}\0${pkg.reason}`;
      const list = transitive.get(key);
      if (list) list.push(pkg);
      else transitive.set(key, [pkg]);
      continue;
    }
    findings.push({
      check: DEV_DEPENDENCY_CHECK.id,
      severity: DEV_DEPENDENCY_CHECK.severity,
      category: CATEGORY,
      message: `${nameAndVersion(pkg)} (${pkg.ecosystem} dev dependency: ${pkg.reason})`,
      evidence: pkg.evidence,
    });
  }
  const SHOWN = 5;
  for (const list of transitive.values()) {
    const first = list[0];
    const names = list.slice(0, SHOWN).map(nameAndVersion).join(', ');
    const more = list.length > SHOWN ? ` and ${list.length - SHOWN} more` : '';
    // Each package's evidence ends with the record that marks it (lockfile, installed.json): shared.
    const record = first.evidence[first.evidence.length - 1];
    findings.push({
      check: DEV_DEPENDENCY_CHECK.id,
      severity: DEV_DEPENDENCY_CHECK.severity,
      category: CATEGORY,
      message: `${list.length} ${first.ecosystem} package(s) installed only for development (${first.reason}): ${names}${more}`,
      evidence: [record, ...list.slice(0, SHOWN).map((pkg) => pkg.evidence[0])],
    });
  }
  return findings;
}

const LEFTOVER_LABELS: Record<LeftoverKind, string> = {
  'test-suite': 'Tests',
  'typescript-source': 'TypeScript sources',
  'source-map': 'Source maps',
  'git-directory': 'Git repository',
  dockerfile: 'Dockerfile',
  'compose-file': 'Compose file',
  'editor-folder': 'Editor files',
  'package-cache': 'Package cache',
};

function leftoverFinding(leftover: DevDependenciesSection['leftovers'][number]): ReportFinding {
  const check = LEFTOVER_CHECKS[leftover.kind];
  return {
    check: check.id,
    severity: check.severity,
    category: CATEGORY,
    message: `${LEFTOVER_LABELS[leftover.kind]} ${leftover.path} (${leftover.files} file(s), ${leftover.bytes} bytes)`,
    evidence: leftover.evidence,
  };
}
