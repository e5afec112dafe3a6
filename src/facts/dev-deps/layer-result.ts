import type { ComposerInstalled } from './composer.js';
import type { HiddenLockfile } from './npm-lockfile.js';
import type { InstalledPackageJson, PackageManifest } from './package-json.js';
import type { PnpmModules } from './pnpm-modules.js';
import type { PythonDistribution } from './python-dev-tools.js';
import type { YarnIntegrity } from './yarn.js';
import type { PnpManifest } from './yarn-pnp.js';

/**
 * What the dev-dependency detector keeps of one layer, keyed by path (no leading slash). Plain
 * JSON, independent of the layer's position: cached by layer digest.
 */
export interface DevDepsLayerResult {
  /** Project `package.json` files (outside node_modules and system paths). */
  manifests: Record<string, PackageManifest>;
  /** Top-level `node_modules/<name>/package.json` files: name and version. */
  installed: Record<string, InstalledPackageJson>;
  /** Hidden lockfiles, `node_modules/.package-lock.json`. */
  lockfiles: Record<string, HiddenLockfile>;
  /** Project lockfiles (`package-lock.json`, `npm-shrinkwrap.json` outside node_modules). */
  projectLockfiles: Record<string, HiddenLockfile>;
  /** Yarn Plug'n'Play loaders and data files (`.pnp.cjs`, `.pnp.js`, `.pnp.data.json`). */
  pnp: Record<string, PnpManifest>;
  pnpm: Record<string, PnpmModules>;
  yarn: Record<string, YarnIntegrity>;
  /** Metadata entries of Python dev tools (already filtered by name). */
  python: Record<string, PythonDistribution>;
  /** `vendor/composer/installed.json` files. */
  composer: Record<string, ComposerInstalled>;
  /** Project `composer.json` files: their `require-dev` names. */
  composerManifests: Record<string, { requireDev: string[] }>;
  /** Files wanted but not read in full, with why. */
  unread: Record<string, string>;
}

export function emptyLayerResult(): DevDepsLayerResult {
  return {
    manifests: {},
    installed: {},
    lockfiles: {},
    projectLockfiles: {},
    pnp: {},
    pnpm: {},
    yarn: {},
    python: {},
    composer: {},
    composerManifests: {},
    unread: {},
  };
}

/** Sets an own property even for keys such as `__proto__` (paths and names come from the image). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An own property, never one inherited from Object.prototype. */
export function getOwn<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
