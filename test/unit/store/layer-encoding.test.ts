import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CachedLayer } from '../../../src/facts/layer-cache.js';
import {
  decodeCachedLayer,
  encodeCachedLayer,
  LAYER_ENCODING_VERSION,
} from '../../../src/store/redis-layer-cache.js';

/** A layer like a distribution's /usr: nested directories, files, a few symlinks. */
function syntheticLayer(entries: number): CachedLayer {
  const paths: string[] = [];
  let kinds = '';
  const sizes: number[] = [];
  const modes: number[] = [];
  const links: Record<number, string> = {};
  for (let i = 0; i < entries; i++) {
    const dir = `usr/lib/python3.11/site-packages/package_${Math.floor(i / 40)}`;
    if (i % 40 === 0) {
      paths.push(dir);
      kinds += 'd';
      sizes.push(0);
      modes.push(0o755);
    } else if (i % 97 === 0) {
      paths.push(`${dir}/link_${i}.so`);
      kinds += 'l';
      sizes.push(0);
      modes.push(0o777);
      links[i] = `../lib_${i}.so.1`;
    } else {
      paths.push(`${dir}/module_${i}.py`);
      kinds += 'f';
      sizes.push((i * 7919) % 200_000);
      modes.push(0o644);
    }
  }
  return {
    walk: {
      compressedSize: 12_345_678,
      uncompressedSize: 45_678_901,
      entryCount: entries,
      table: { paths, kinds, sizes, modes, links },
      warnings: ['duplicate path usr/lib/x (entry 3)'],
    },
    results: {
      secrets: {
        findings: [],
        skipped: { byType: { files: 2, bytes: 300 }, tooLarge: { files: 0, bytes: 0 } },
        scanned: { textFiles: 3, binaryFiles: 1, utf16Files: 0, streamedFiles: 0, bytes: 4096 },
      },
      shells: [{ path: 'bin/sh', kind: 'symlink' }],
      'os-release': { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm) – ünïcode' },
    },
  };
}

const header = (version: number, flags: number): Buffer =>
  Buffer.concat([Buffer.from('PGLC', 'ascii'), Buffer.from([version, flags])]);

describe('layer cache encoding', () => {
  it('round-trips a small entry (stored as plain JSON) and a large one (deflated) losslessly', async () => {
    for (const layer of [syntheticLayer(3), syntheticLayer(10_000)]) {
      const decoded = await decodeCachedLayer(await encodeCachedLayer(layer));
      expect(decoded).toEqual(layer);
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(layer));
    }
    expect((await encodeCachedLayer(syntheticLayer(3)))[5]).toBe(0);
    expect((await encodeCachedLayer(syntheticLayer(10_000)))[5]).toBe(1);
  });

  it('keeps a 10,000-entry layer well under its JSON size', async () => {
    const layer = syntheticLayer(10_000);
    const json = Buffer.byteLength(JSON.stringify(layer));
    const encoded = await encodeCachedLayer(layer);
    console.log(`10k-entry layer: JSON ${json} bytes, encoded ${encoded.length} bytes`);
    expect(encoded.length).toBeLessThan(json / 4);
  });

  it('reads anything that is not an entry of this version as a miss', async () => {
    const good = await encodeCachedLayer(syntheticLayer(10_000));
    const plain = Buffer.from(JSON.stringify(syntheticLayer(2)));
    const wrongShape = {
      ...syntheticLayer(2),
      walk: { ...syntheticLayer(2).walk, table: { paths: ['a'], kinds: '' } },
    };
    const candidates: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from('PGL'),
      Buffer.from('garbage that is long enough'),
      Buffer.concat([header(LAYER_ENCODING_VERSION + 1, 0), plain]),
      Buffer.concat([header(0, 0), plain]),
      Buffer.concat([header(LAYER_ENCODING_VERSION, 4), plain]),
      Buffer.concat([header(LAYER_ENCODING_VERSION, 0), Buffer.from('{"walk": ')]),
      Buffer.concat([header(LAYER_ENCODING_VERSION, 0), Buffer.from(JSON.stringify(wrongShape))]),
      Buffer.concat([header(LAYER_ENCODING_VERSION, 0), Buffer.from('[1,2,3]')]),
      Buffer.concat([header(LAYER_ENCODING_VERSION, 1), Buffer.from('not deflate data at all')]),
      good.subarray(0, Math.floor(good.length / 2)),
      Buffer.concat([header(LAYER_ENCODING_VERSION, 1), deflateRawSync(Buffer.from('{"walk":1}'))]),
    ];
    for (const data of candidates) await expect(decodeCachedLayer(data)).resolves.toBeUndefined();
  });
});
