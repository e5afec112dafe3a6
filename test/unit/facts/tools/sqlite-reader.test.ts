import { describe, expect, it } from 'vitest';
import { parseRpmHeader } from '../../../../src/facts/tools/rpm-header.js';
import { SqliteReader } from '../../../../src/facts/tools/sqlite-reader.js';
import { rpmdbSqlite, rpmHeaderBlob } from './rpmdb-fixture.js';

describe('SqliteReader and parseRpmHeader', () => {
  it('lists every row of a table written by sqlite3, across interior pages and overflow chains', async () => {
    const packages = Array.from({ length: 400 }, (_, i) => ({
      name: `pkg${i}`,
      version: '1',
      release: `${i}`,
      arch: 'noarch',
      padding: i % 50 === 0 ? 70_000 : 40,
    }));
    const file = await rpmdbSqlite(packages);
    const rows = [...new SqliteReader(file).rows('packages')];
    expect(rows).toHaveLength(400);
    const names = rows.map((row) => parseRpmHeader(row[1] as Buffer)?.name);
    expect(names).toEqual(packages.map((p) => p.name));
    expect(rows[0][0]).toBeNull();
  });

  it('parses header fields and refuses malformed blobs', () => {
    expect(
      parseRpmHeader(
        rpmHeaderBlob({
          name: 'bash',
          version: '5.1',
          release: '1',
          epoch: 1,
          arch: 'x86_64',
          sourceRpm: 'bash-5.1-1.src.rpm',
        }),
      ),
    ).toEqual({
      name: 'bash',
      version: '1:5.1-1',
      source: 'bash',
      architecture: 'x86_64',
    });
    expect(
      parseRpmHeader(
        rpmHeaderBlob({
          name: 'python3-libs',
          version: '3.9',
          release: '1',
          sourceRpm: 'python3.9-3.9-1.src.rpm',
        }),
      ),
    ).toEqual({
      name: 'python3-libs',
      version: '3.9-1',
      source: 'python3.9',
    });
    expect(parseRpmHeader(Buffer.alloc(4))).toBeUndefined();
    const cut = rpmHeaderBlob({ name: 'x', version: '1', release: '1' });
    expect(parseRpmHeader(cut.subarray(0, cut.length - 3))).toBeUndefined();
    const huge = Buffer.from(cut);
    huge.writeUInt32BE(0xffffffff, 0);
    expect(parseRpmHeader(huge)).toBeUndefined();
  });

  it('fails with a LAYER_CORRUPT error, never a crash or a hang, on damaged files', async () => {
    const file = await rpmdbSqlite([{ name: 'a', version: '1', release: '1', padding: 10_000 }]);
    expect(() => new SqliteReader(Buffer.from('not sqlite'))).toThrow(/not a SQLite 3 database/);
    expect(() => [...new SqliteReader(file.subarray(0, 5000)).rows('Packages')]).toThrow(/beyond|truncated/);
    expect(() => [...new SqliteReader(file).rows('Missing')]).toThrow(/has no table Missing/);
    let seed = 1;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(file);
      for (let k = 0; k < 8; k++)
        damaged[100 + Math.floor(random() * (damaged.length - 100))] = Math.floor(random() * 256);
      try {
        for (const row of new SqliteReader(damaged).rows('Packages')) {
          for (const value of row) if (Buffer.isBuffer(value)) parseRpmHeader(value);
        }
      } catch (err) {
        expect((err as { code?: string }).code).toBe('LAYER_CORRUPT');
      }
    }
  });
});
