import { parseRpmFileDigests, type RpmDigestAlgorithm } from './rpm-header.js';
import { SqliteReader } from './sqlite-reader.js';

export type ChecksumAlgorithm = RpmDigestAlgorithm;

/** One file an OS package database says a package installed, with the checksum it recorded. */
export interface PackagedFile {
  /** Normalised: no leading slash. */
  path: string;
  package: string;
  algorithm: ChecksumAlgorithm;
  /** Lowercase hex. */
  digest: string;
}

/** A file that records packaged files' checksums, and how to read it. */
export interface ChecksumSource {
  id: string;
  /** Whether `path` (normalised, no leading slash) is such a file. */
  matches(path: string): boolean;
  /** Bytes of content the parser needs (the walker may still cut it to its per-file cap). */
  maxBytes: number;
  /** Never throws: unreadable lines or rows are skipped. `complete` is false when the content was cut. */
  parse(path: string, content: Buffer, complete: boolean): PackagedFile[];
}

const DPKG_MD5SUMS = /^var\/lib\/dpkg\/(?:info|status\.d)\/([^/]+?)(?::[^/:]+)?\.md5sums$/;
const APK_DBS = new Set(['lib/apk/db/installed', 'usr/lib/apk/db/installed']);
const RPM_SQLITE = /^(?:var\/lib|usr\/lib\/sysimage|usr\/share)\/rpm\/rpmdb\.sqlite$/;

/**
 * dpkg's `info/<pkg>[:<arch>].md5sums` (and distroless `status.d/<pkg>.md5sums`): one
 * `<md5>  <path>` line per regular file the package shipped, paths relative to `/`.
 */
const dpkgMd5sums: ChecksumSource = {
  id: 'dpkg-md5sums',
  matches: (path) => DPKG_MD5SUMS.test(path),
  maxBytes: 16 * 1024 * 1024,
  parse(path, content, complete) {
    const pkg = DPKG_MD5SUMS.exec(path)?.[1];
    if (pkg === undefined) return [];
    const lines = content.toString('utf8').split('\n');
    if (!complete) lines.pop();
    const files: PackagedFile[] = [];
    for (const line of lines) {
      const match = /^([0-9a-fA-F]{32}) [ *](.+)$/.exec(line.replace(/\r$/, ''));
      if (match === null) continue;
      const file = match[2].replace(/^\.?\/+/, '');
      if (file !== '')
        files.push({ path: file, package: pkg, algorithm: 'md5', digest: match[1].toLowerCase() });
    }
    return files;
  },
};

/**
 * apk's `installed` database: `P:` starts a package, `F:` names a directory, `R:` a file in it,
 * and the `Z:` line after an `R:` its checksum — `Q1` + base64 of the SHA-1 (the only form
 * apk-tools 2 writes for files; `Q2` is SHA-256 in apk-tools 3).
 */
const apkInstalled: ChecksumSource = {
  id: 'apk-installed',
  matches: (path) => APK_DBS.has(path),
  maxBytes: 64 * 1024 * 1024,
  parse(_path, content, complete) {
    const lines = content.toString('utf8').split('\n');
    if (!complete) lines.pop();
    const files: PackagedFile[] = [];
    let pkg = '';
    let dir = '';
    let file: string | undefined;
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      if (line === '') {
        pkg = '';
        dir = '';
        file = undefined;
        continue;
      }
      if (line.length < 2 || line[1] !== ':') continue;
      const value = line.slice(2);
      switch (line[0]) {
        case 'P':
          pkg = value.trim();
          break;
        case 'F':
          dir = value.trim().replace(/^\/+|\/+$/g, '');
          file = undefined;
          break;
        case 'R':
          file = dir === '' ? value.trim() : `${dir}/${value.trim()}`;
          break;
        case 'Z': {
          if (file === undefined || pkg === '') break;
          const checksum = apkChecksum(value.trim());
          if (checksum) files.push({ path: file, package: pkg, ...checksum });
          file = undefined;
          break;
        }
        default:
          break;
      }
    }
    return files;
  },
};

function apkChecksum(value: string): Pick<PackagedFile, 'algorithm' | 'digest'> | undefined {
  const algorithm = value.startsWith('Q1') ? 'sha1' : value.startsWith('Q2') ? 'sha256' : undefined;
  if (algorithm === undefined) return undefined;
  const bytes = Buffer.from(value.slice(2), 'base64');
  if (bytes.length !== (algorithm === 'sha1' ? 20 : 32)) return undefined;
  return { algorithm, digest: bytes.toString('hex') };
}

/** rpm's SQLite database (`rpmdb.sqlite`): each `Packages` row is a header blob with its file digests. */
const rpmSqlite: ChecksumSource = {
  id: 'rpm-sqlite',
  matches: (path) => RPM_SQLITE.test(path),
  maxBytes: 64 * 1024 * 1024,
  parse(path, content, complete) {
    if (!complete) return [];
    const files: PackagedFile[] = [];
    try {
      for (const row of new SqliteReader(content, `/${path}`).rows('Packages')) {
        const blob = row.find((value): value is Buffer => Buffer.isBuffer(value));
        const parsed = blob ? parseRpmFileDigests(blob) : undefined;
        if (parsed === undefined) continue;
        for (const f of parsed.files)
          files.push({ path: f.path, package: parsed.name, algorithm: parsed.algorithm, digest: f.digest });
      }
    } catch {
      // os-packages reports an unreadable database; here it only means no provenance from it.
    }
    return files;
  },
};

/** Every format that records packaged files' checksums. One explicit list. */
export const CHECKSUM_SOURCES: readonly ChecksumSource[] = [dpkgMd5sums, apkInstalled, rpmSqlite];

export function checksumSourceFor(path: string): ChecksumSource | undefined {
  return CHECKSUM_SOURCES.find((source) => source.matches(path));
}
