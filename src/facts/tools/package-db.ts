/**
 * Parsers for the text package databases: dpkg `status` (and distroless `status.d/*`, one stanza
 * per file), dpkg `info/*.list` file lists, and apk `installed`. They never throw: malformed
 * stanzas are skipped.
 */

export interface DbPackage {
  name: string;
  version: string;
  source?: string;
  architecture?: string;
}

export interface ApkPackage extends DbPackage {
  /** Files the package owns (paths without a leading slash), filtered by the caller's predicate. */
  files: string[];
}

/** dpkg `Status:` states in which the package's files are on disk. */
const DPKG_ON_DISK = new Set([
  'installed',
  'triggers-pending',
  'triggers-awaited',
  'half-configured',
  'unpacked',
]);

/**
 * Splits text into stanzas (blank-line separated). When `complete` is false (the walker handed us
 * a prefix of the file), the last stanza may be cut and is dropped unless the text ends on a blank line.
 */
function stanzas(text: string, complete: boolean): string[] {
  const parts = text.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/);
  if (!complete && !/\n[ \t]*\n$/.test(text)) parts.pop();
  return parts.filter((part) => part.trim() !== '');
}

function dpkgFields(stanza: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of stanza.split('\n')) {
    // Continuation lines (descriptions, conffiles) carry nothing we read.
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  return fields;
}

/** Packages of a dpkg `status` file (or one `status.d` file) whose files are on disk. */
export function parseDpkgStatus(text: string, complete = true): DbPackage[] {
  const packages: DbPackage[] = [];
  for (const stanza of stanzas(text, complete)) {
    const fields = dpkgFields(stanza);
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) continue;
    const status = fields.get('status');
    // distroless status.d stanzas have no Status line: they list installed packages only.
    if (status !== undefined && !DPKG_ON_DISK.has(status.split(/\s+/)[2] ?? '')) continue;
    const source = fields.get('source')?.replace(/\s*\(.*\)\s*$/, '');
    const architecture = fields.get('architecture');
    packages.push({
      name,
      version,
      ...(source ? { source } : {}),
      ...(architecture ? { architecture } : {}),
    });
  }
  return packages;
}

/** `var/lib/dpkg/info/libc6:amd64.list` → `libc6`; undefined for other files. */
export function dpkgListPackage(path: string): string | undefined {
  const match = /^var\/lib\/dpkg\/info\/([^/]+?)(?::[^/:]+)?\.list$/.exec(path);
  return match?.[1];
}

/** Paths (without the leading slash) of a dpkg `.list` file that `keep` accepts. */
export function parseDpkgList(text: string, keep: (path: string) => boolean): string[] {
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const path = line.trim().replace(/^\/+/, '');
    if (path !== '' && path !== '.' && keep(path)) paths.push(path);
  }
  return paths;
}

/**
 * Packages of an apk `installed` database (`P:` name, `V:` version, `A:` arch, `o:` origin;
 * `F:` directory and `R:` file lines give the files it owns, kept when `keep` accepts them).
 */
export function parseApkInstalled(
  text: string,
  keep: (path: string) => boolean = () => false,
  complete = true,
): ApkPackage[] {
  const packages: ApkPackage[] = [];
  for (const stanza of stanzas(text, complete)) {
    let name = '';
    let version = '';
    let source: string | undefined;
    let architecture: string | undefined;
    let dir = '';
    const files: string[] = [];
    for (const line of stanza.split('\n')) {
      if (line.length < 2 || line[1] !== ':') continue;
      const value = line.slice(2).trim();
      switch (line[0]) {
        case 'P':
          name = value;
          break;
        case 'V':
          version = value;
          break;
        case 'A':
          architecture = value;
          break;
        case 'o':
          source = value;
          break;
        case 'F':
          dir = value.replace(/^\/+|\/+$/g, '');
          break;
        case 'R': {
          const path = dir === '' ? value : `${dir}/${value}`;
          if (keep(path)) files.push(path);
          break;
        }
        default:
          break;
      }
    }
    if (name === '' || version === '') continue;
    packages.push({
      name,
      version,
      ...(source ? { source } : {}),
      ...(architecture ? { architecture } : {}),
      files,
    });
  }
  return packages;
}
