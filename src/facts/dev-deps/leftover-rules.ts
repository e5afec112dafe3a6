import type { BuildLeftover } from '../image-facts.js';

export type LeftoverKind = BuildLeftover['kind'];

/**
 * Where a file of the final filesystem belongs, if it is a build leftover. `tree` leftovers are
 * reported once per folder (`root`); file leftovers (test files, source maps, TypeScript
 * sources) are grouped per project by the caller.
 */
export type LeftoverMatch =
  | { kind: LeftoverKind; root: string; tree: true }
  | { kind: 'test-suite' | 'source-map' | 'typescript-source'; tree: false };

interface CacheRule {
  /** The cache folder, relative to a home folder or to `/`. */
  root: string;
  /** Files inside the folder that are not cache content (path relative to the folder). */
  ignore?: RegExp;
}

const LOCK_FILE = /(?:^|\/)lock$/;
/** Yarn Berry caches hold only zip archives; anything else there is not a package. */
const NOT_A_ZIP = /(?<!\.zip)$/;
/**
 * What survives `yum clean all` / `dnf clean all`: lock files, the fastestmirror plugin's host
 * timings and dnf's makecache timer stamp. They hold no packages or metadata, so a cleaned cache
 * is not reported; downloaded packages, repodata and solv files are.
 */
const RPM_CACHE_STAMPS = /(?:^|\/)(?:[^/]*\.lock|lock|timedhosts(?:\.txt)?|last_makecache)$/;

/**
 * Package-manager caches, by their documented default locations (literal prefixes: this runs for
 * every file of the image). Each is one leftover when it holds at least one file: `npm cache
 * clean`, `pip --no-cache-dir`, `apk --no-cache`, `rm -rf /var/lib/apt/lists/*` and friends leave
 * nothing. Lock files are not content, and npm's debug logs (`_logs`, written by every npm run)
 * and update-notifier stamp are not a package cache. Yarn Berry's global cache
 * (`~/.yarn/berry/cache`) counts only the archives no Plug'n'Play loader reads at run time (the
 * caller knows which). Not covered: conda caches, pip's temporary build folders (`/tmp/pip-*`,
 * which pip removes itself and which survive only a crashed build).
 */
const HOME_CACHE_RULES: readonly CacheRule[] = [
  { root: '.npm', ignore: /^(?:_logs\/|_update-notifier-last-checked$)/ },
  { root: '.cache/pip' },
  { root: '.cache/uv' },
  { root: '.cache/yarn' },
  { root: '.yarn/berry/cache', ignore: NOT_A_ZIP },
  { root: '.cache/pnpm' },
  { root: '.cache/pypoetry' },
  { root: '.cache/composer' },
  { root: '.cache/go-build' },
  { root: '.composer/cache' },
  { root: '.local/share/pnpm/store' },
  { root: 'go/pkg/mod' },
  { root: '.cargo/registry' },
  { root: '.m2/repository' },
  { root: '.gradle/caches' },
];
const ABSOLUTE_CACHE_RULES: readonly CacheRule[] = [
  { root: 'var/cache/apk' },
  { root: 'var/lib/apt/lists', ignore: LOCK_FILE },
  { root: 'var/cache/apt', ignore: LOCK_FILE },
  // yum (RHEL/CentOS 7, microdnf on UBI), dnf 4, dnf 5 (Fedora 41+), tdnf (Photon, Azure Linux).
  { root: 'var/cache/yum', ignore: RPM_CACHE_STAMPS },
  { root: 'var/cache/dnf', ignore: RPM_CACHE_STAMPS },
  { root: 'var/cache/libdnf5', ignore: RPM_CACHE_STAMPS },
  { root: 'var/cache/tdnf', ignore: RPM_CACHE_STAMPS },
  // The official node images' yarn cache, the rust images' CARGO_HOME, the golang images' GOPATH.
  { root: 'usr/local/share/.cache/yarn' },
  { root: 'usr/local/cargo/registry' },
  { root: 'go/pkg/mod' },
];

/** `root/` or `home/<user>/` when the path lies in a home folder. */
function homePrefixLength(path: string): number {
  if (path.startsWith('root/')) return 5;
  if (!path.startsWith('home/')) return -1;
  const slash = path.indexOf('/', 5);
  return slash > 5 ? slash + 1 : -1;
}

/** The cache folder of `rules` the path lies in (null: in it, but an ignored file). */
function matchCacheRules(
  path: string,
  offset: number,
  rules: readonly CacheRule[],
): string | null | undefined {
  for (const rule of rules) {
    const end = offset + rule.root.length;
    if (path.length > end + 1 && path[end] === '/' && path.startsWith(rule.root, offset)) {
      return rule.ignore?.test(path.slice(end + 1)) ? null : path.slice(0, end);
    }
  }
  return undefined;
}

/** The package cache folder a file lies in, or undefined (also for files a rule ignores). */
export function matchPackageCache(path: string): string | undefined {
  const home = homePrefixLength(path);
  const match =
    (home > 0 ? matchCacheRules(path, home, HOME_CACHE_RULES) : undefined) ??
    matchCacheRules(path, 0, ABSOLUTE_CACHE_RULES);
  if (match !== undefined) return match ?? undefined;
  // A pnpm store kept inside the project (`store-dir` relative to it).
  const store = path.indexOf('.pnpm-store/');
  if (store >= 0 && (store === 0 || path[store - 1] === '/') && !isSystemPath(path)) {
    return path.slice(0, store + '.pnpm-store'.length);
  }
  return matchYarnProjectState(path);
}

/**
 * A Yarn Berry project's `.yarn/` folder. Its cache (`.yarn/cache/*.zip`) is a leftover except
 * for the archives a Plug'n'Play loader reads at run time (the caller drops those); the install
 * state (`.yarn/install-state.gz`, which only speeds up the next install) and the build state
 * (`.yarn/build-state.yml`, hashes of run build scripts) are build leftovers, one file each.
 * The rest of `.yarn/` is not: `unplugged/` and `__virtual__/` are the PnP dependency tree,
 * `releases/` and `plugins/` are Yarn itself.
 */
function matchYarnProjectState(path: string): string | undefined {
  const yarn = path.lastIndexOf('.yarn/');
  if (yarn < 0 || (yarn > 0 && path[yarn - 1] !== '/')) return undefined;
  const rest = path.slice(yarn + '.yarn/'.length);
  const cache = rest.startsWith('cache/') && rest.endsWith('.zip') && !rest.includes('/', 'cache/'.length);
  if (!cache && rest !== 'install-state.gz' && rest !== 'build-state.yml') return undefined;
  if (path.includes('node_modules/') || isSystemPath(path)) return undefined;
  return cache ? path.slice(0, yarn + '.yarn/cache'.length) : path;
}

/**
 * Folders that hold other people's code: dependency trees (their tests and maps are the
 * dependency's business, and would flood the report) and toolchain state in home folders.
 */
const DEPENDENCY_SEGMENTS = new Set([
  'node_modules',
  'bower_components',
  'jspm_packages',
  'site-packages',
  'dist-packages',
  '__pypackages__',
  'vendor',
]);

/** Paths of the distribution and of installed toolchains, where apps do not live. */
const SYSTEM_FIRST_SEGMENTS = new Set([
  'usr',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'bin',
  'sbin',
  'etc',
  'proc',
  'sys',
  'dev',
  'run',
  'boot',
  'nix',
  'snap',
]);

/** App folders the official images put under /usr (node docs, nginx, httpd). */
const USR_APP_PREFIXES = [
  'usr/src/',
  'usr/local/src/',
  'usr/app/',
  'usr/local/app/',
  'usr/share/nginx/html/',
  'usr/local/apache2/htdocs/',
];

/** Kernel headers and debug sources that distributions install under /usr/src. */
const USR_SRC_SYSTEM = /^usr\/src\/(?:linux|kernels|debug)/;
const VAR_SYSTEM = /^var\/(?:lib|cache|log|spool)\//;

export function isSystemPath(path: string): boolean {
  const slash = path.indexOf('/');
  const first = slash < 0 ? path : path.slice(0, slash);
  if (first === 'usr') {
    for (const prefix of USR_APP_PREFIXES) if (path.startsWith(prefix)) return USR_SRC_SYSTEM.test(path);
    return true;
  }
  if (SYSTEM_FIRST_SEGMENTS.has(first)) return true;
  if (first === 'var') return VAR_SYSTEM.test(path);
  if (first === 'opt') return path.startsWith('opt/conda/') || path.startsWith('opt/java/');
  return false;
}

const TEST_DIRS = new Set(['__tests__', 'test', 'tests', 'spec']);
const EDITOR_DIRS = new Set(['.vscode', '.idea']);
const DOCKERFILE = /^(?:(?:Dockerfile|Containerfile)(?:[.-][^/]*)?|[^/]+\.(?:dockerfile|containerfile))$/i;
const COMPOSE_FILE = /^(?:docker-)?compose(?:[.-][^/]*)?\.ya?ml$/i;
const TEST_FILE = /\.(?:test|spec)\.[^./]+$|_test\.go$/;
const SOURCE_MAP = /\.(?:js|mjs|cjs|jsx|css|ts|mts|cts)\.map$/;
const TYPESCRIPT = /\.(?:ts|tsx|mts|cts)$/;
const DECLARATION = /\.d\.(?:ts|mts|cts)$/;

/**
 * Classifies one non-directory path of the final filesystem. Rules, in order:
 * 1. package caches (explicit locations, see CACHE_RULES);
 * 2. nothing under system paths (`/usr` except `/usr/src` and known app folders, `/lib`, `/etc`,
 *    `/var/lib`…: e.g. `usr/lib/python3/dist-packages/*\/tests` or `/usr/lib/node_modules/npm/test`
 *    belong to the distribution) nor inside dependency trees (`node_modules`, `site-packages`,
 *    `vendor`…);
 * 3. the first `.git`, `.vscode`/`.idea` or test folder (`__tests__`, `test`, `tests`, `spec`) on
 *    the path makes the whole folder one leftover;
 * 4. single files: `.git` (a worktree pointer), vim swap files, Dockerfiles, compose files;
 * 5. below a hidden folder (tool state such as `.cache`, `.next`, `.rustup`) nothing else counts;
 * 6. test files (`*.test.*`, `*.spec.*`, `*_test.go`), source maps of JS/CSS/TS (`*.js.map`,
 *    `*.css.map`…, not any `*.map`: kernel `System.map` and keymaps are no source maps), and
 *    TypeScript sources (not `.d.ts`), which the caller keeps only when the project also holds
 *    the compiled `.js` of the same name.
 */
export function classifyLeftover(path: string): LeftoverMatch | undefined {
  const cache = matchPackageCache(path);
  if (cache !== undefined) return { kind: 'package-cache', root: cache, tree: true };
  if (isSystemPath(path)) return undefined;
  let hidden = false;
  let start = 0;
  for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', start)) {
    const segment = path.slice(start, slash);
    start = slash + 1;
    if (DEPENDENCY_SEGMENTS.has(segment)) return undefined;
    if (segment === '.git') return { kind: 'git-directory', root: path.slice(0, slash), tree: true };
    if (EDITOR_DIRS.has(segment)) return { kind: 'editor-folder', root: path.slice(0, slash), tree: true };
    if (!hidden && TEST_DIRS.has(segment))
      return { kind: 'test-suite', root: path.slice(0, slash), tree: true };
    if (segment.charCodeAt(0) === 46 /* . */) hidden = true;
  }
  const base = path.slice(start);
  if (base === '.git') return { kind: 'git-directory', root: path, tree: true };
  if (/^\..+\.sw[op]$/.test(base)) return { kind: 'editor-folder', root: path, tree: true };
  if (DOCKERFILE.test(base)) return { kind: 'dockerfile', root: path, tree: true };
  if (COMPOSE_FILE.test(base)) return { kind: 'compose-file', root: path, tree: true };
  if (hidden) return undefined;
  if (TEST_FILE.test(base)) return { kind: 'test-suite', tree: false };
  if (SOURCE_MAP.test(base)) return { kind: 'source-map', tree: false };
  if (TYPESCRIPT.test(base) && !DECLARATION.test(base)) return { kind: 'typescript-source', tree: false };
  return undefined;
}

/** `src/x.ts` → `x`; `x.mts` → `x`: the stem a compiled `.js`/`.mjs`/`.cjs` would share. */
export function sourceStem(base: string): string {
  return base.replace(/\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/, '');
}

export const COMPILED_JS = /\.(?:js|mjs|cjs)$/;
