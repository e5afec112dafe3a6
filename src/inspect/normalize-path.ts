/**
 * Normalises a tar entry name the way runtimes place it under the root: leading `/` and `./`
 * stripped, `//` collapsed, `.` components dropped, trailing `/` dropped. The root itself is `''`.
 * Returns `undefined` for names that cannot be placed safely: a `..` component or a NUL byte.
 */
export function normalizeLayerPath(raw: string): string | undefined {
  if (raw.includes('\0')) return undefined;
  // Fast path: the common `usr/bin/x` form needs no work. Any `/.` sends hidden files down the
  // slow path too, which is only slower, never wrong.
  const first = raw.charCodeAt(0);
  if (
    raw.length > 0 &&
    first !== 0x2f &&
    first !== 0x2e &&
    raw.charCodeAt(raw.length - 1) !== 0x2f &&
    !raw.includes('//') &&
    !raw.includes('/.')
  ) {
    return raw;
  }
  const parts = raw.split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    out.push(part);
  }
  return out.join('/');
}

/** A name as it can be shown in a message: quoted, with NUL and control characters escaped. */
export function quoteName(raw: string, max = 200): string {
  const shown = raw.length > max ? `${raw.slice(0, max)}…` : raw;
  return JSON.stringify(shown);
}

/** Parent directory of a normalised path (`''` for top-level names and for the root). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}
