/** What yarn v1's `node_modules/.yarn-integrity` says about the last install. */
export interface YarnIntegrity {
  /** True when installed with `--production` (devDependencies left out); null when unreadable. */
  production: boolean | null;
}

/**
 * Reads the `flags` array of `.yarn-integrity`. yarn v1 writes no per-package dev marker, but it
 * records `"production"` in `flags` for `yarn install --production`. `flags` comes before the
 * (large) `lockfileEntries`, so a truncated file is still read.
 */
export function parseYarnIntegrity(text: string): YarnIntegrity {
  const match = /"flags"\s*:\s*\[([^\]]*)\]/.exec(text);
  if (!match) return { production: null };
  let flags: unknown;
  try {
    flags = JSON.parse(`[${match[1]}]`);
  } catch {
    return { production: null };
  }
  return { production: Array.isArray(flags) && flags.includes('production') };
}
