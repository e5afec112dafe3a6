import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../support/temp-dir.js';

export interface RpmFixturePackage {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  /** Bytes of filler (a long description) so the blob spills onto overflow pages. */
  padding?: number;
  /** Files with their digests (hex; '' for directories), as BASENAMES/DIRNAMES/DIRINDEXES/FILEDIGESTS. */
  files?: Array<{ path: string; digest: string }>;
  /** FILEDIGESTALGO (rpm's PGPHASHALGO number); absent means MD5. */
  digestAlgorithm?: number;
}

/** An rpm header blob as rpm's `headerExport` writes it (what rpmdb.sqlite stores). */
export function rpmHeaderBlob(pkg: RpmFixturePackage): Buffer {
  const entries: Array<{ tag: number; type: number; data: Buffer; count?: number }> = [];
  const str = (tag: number, value: string): void => {
    entries.push({ tag, type: 6, data: Buffer.from(`${value}\0`) });
  };
  // Region tag first, as real headers have (an immutable-region trailer we do not interpret).
  entries.push({ tag: 63, type: 7, data: Buffer.alloc(16) });
  str(1000, pkg.name);
  str(1001, pkg.version);
  str(1002, pkg.release);
  if (pkg.epoch !== undefined) {
    const epoch = Buffer.alloc(4);
    epoch.writeInt32BE(pkg.epoch);
    entries.push({ tag: 1003, type: 4, data: epoch });
  }
  entries.push({ tag: 1005, type: 9, data: Buffer.from(`${'x'.repeat(pkg.padding ?? 10)}\0`) });
  if (pkg.arch) str(1022, pkg.arch);
  if (pkg.sourceRpm) str(1044, pkg.sourceRpm);
  if (pkg.files) {
    const dirnames: string[] = [];
    const dirIndexes = Buffer.alloc(4 * pkg.files.length);
    const basenames = pkg.files.map((file, i) => {
      const slash = file.path.lastIndexOf('/');
      const dir = file.path.slice(0, slash + 1);
      if (!dirnames.includes(dir)) dirnames.push(dir);
      dirIndexes.writeInt32BE(dirnames.indexOf(dir), 4 * i);
      return file.path.slice(slash + 1);
    });
    const strings = (values: string[]): Buffer => Buffer.from(values.map((v) => `${v}\0`).join(''));
    entries.push({
      tag: 1035,
      type: 8,
      data: strings(pkg.files.map((f) => f.digest)),
      count: pkg.files.length,
    });
    entries.push({ tag: 1116, type: 4, data: dirIndexes, count: pkg.files.length });
    entries.push({ tag: 1117, type: 8, data: strings(basenames), count: pkg.files.length });
    entries.push({ tag: 1118, type: 8, data: strings(dirnames), count: dirnames.length });
    if (pkg.digestAlgorithm !== undefined) {
      const algo = Buffer.alloc(4);
      algo.writeInt32BE(pkg.digestAlgorithm);
      entries.push({ tag: 5011, type: 4, data: algo });
    }
  }
  const index = Buffer.alloc(entries.length * 16);
  const data: Buffer[] = [];
  let offset = 0;
  entries.forEach((entry, i) => {
    // INT32 data is 4-aligned in real headers.
    if (entry.type === 4 && offset % 4 !== 0) {
      const pad = 4 - (offset % 4);
      data.push(Buffer.alloc(pad));
      offset += pad;
    }
    index.writeUInt32BE(entry.tag, i * 16);
    index.writeUInt32BE(entry.type, i * 16 + 4);
    index.writeUInt32BE(offset, i * 16 + 8);
    index.writeUInt32BE(entry.count ?? 1, i * 16 + 12);
    data.push(entry.data);
    offset += entry.data.length;
  });
  const head = Buffer.alloc(8);
  head.writeUInt32BE(entries.length, 0);
  head.writeUInt32BE(offset, 4);
  return Buffer.concat([head, index, ...data]);
}

/**
 * A real rpmdb.sqlite written by the `sqlite3` command-line tool (Debian package `sqlite3`), with
 * rpm's table layout: blobs in `Packages`, index tables beside it.
 */
export async function rpmdbSqlite(packages: RpmFixturePackage[], blobs: Buffer[] = []): Promise<Buffer> {
  const dir = await tempDir('pushgate-rpmdb-');
  try {
    const file = join(dir.path, 'rpmdb.sqlite');
    const rows = [...packages.map(rpmHeaderBlob), ...blobs]
      .map((blob) => `INSERT INTO Packages (blob) VALUES (X'${blob.toString('hex')}');`)
      .join('\n');
    const sql = [
      'PRAGMA page_size = 4096;',
      'CREATE TABLE Name (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY(key, hnum, idx)) WITHOUT ROWID;',
      'CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);',
      'BEGIN;',
      rows,
      "INSERT INTO Name VALUES ('x', 1, 0);",
      'COMMIT;',
    ].join('\n');
    try {
      execFileSync('sqlite3', [file], { input: sql, stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(
        `building an rpmdb.sqlite fixture needs the sqlite3 command-line tool (apt-get install sqlite3): ${String(err)}`,
      );
    }
    return readFileSync(file);
  } finally {
    await dir.remove();
  }
}
