import { isRecord, parseJsonObject } from '../../is-record.js';
/** What Composer's `vendor/composer/installed.json` says about dev packages. */
export interface ComposerInstalled {
  /** Composer 2 `dev-package-names`: packages installed only for require-dev. */
  devPackages: Record<string, string>;
  /** Composer 2 `dev`: whether the install included require-dev; null for Composer 1 files. */
  devMode: boolean | null;
}

/**
 * Parses `installed.json`. Composer 2 writes `{ packages, dev, dev-package-names }`; Composer 1
 * wrote a bare array without any dev marker, so nothing can be said about it (devMode null).
 * `undefined` when the text is not JSON (for instance cut short by the content cap).
 */
export function parseComposerInstalled(text: string): ComposerInstalled | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed)) return { devPackages: {}, devMode: null };
  if (!isRecord(parsed)) return undefined;
  const versions = new Map<string, string>();
  if (Array.isArray(parsed.packages)) {
    for (const item of parsed.packages) {
      if (isRecord(item) && typeof item.name === 'string') {
        versions.set(item.name, typeof item.version === 'string' ? item.version : '');
      }
    }
  }
  const devPackages: Record<string, string> = {};
  const names = Array.isArray(parsed['dev-package-names']) ? parsed['dev-package-names'] : [];
  for (const name of names) {
    // A package name is `vendor/name`; anything else could climb out of vendor/ when joined.
    if (typeof name === 'string' && /^[a-z0-9_.-]+\/[a-z0-9_.-]+$/i.test(name) && !name.includes('..')) {
      devPackages[name] = versions.get(name) ?? '';
    }
  }
  return { devPackages, devMode: typeof parsed.dev === 'boolean' ? parsed.dev : null };
}

/** The `require-dev` names of a project's own `composer.json`; undefined when it is not JSON. */
export function parseComposerManifest(text: string): { requireDev: string[] } | undefined {
  const parsed = parseJsonObject(text);
  if (!parsed) return undefined;
  const requireDev = isRecord(parsed['require-dev']) ? Object.keys(parsed['require-dev']) : [];
  return { requireDev: requireDev.sort() };
}
