import { Readable } from 'node:stream';

import { ImageBudget } from '../../../src/inspect/image-budget.js';
import { describe, expect, it } from 'vitest';
import { CompressStream } from 'zstd-napi';

import { isPushgateError } from '../../../src/errors.js';
import { walkLayer } from '../../../src/inspect/walk-layer.js';
import type { LayerWalkResult } from '../../../src/inspect/types.js';
import { tarLayer } from '../../support/image-builder.js';
import {
  bomb,
  compressTar,
  END_OF_ARCHIVE,
  gnuLongEntry,
  layerOf,
  MEDIA_TYPE,
  paxEntry,
  rawEntry,
  rawHeader,
  sha256,
  streamOf,
} from '../../fixtures/layers/layer-blobs.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';

const MB = 1024 * 1024;
/**
 * RSS sampled in the test worker also counts garbage the collector has not reclaimed yet, which
 * grows when the machine is loaded (seen: one failure at 64 MB under a parallel full run). The
 * bounds below stay far under what buffering the input would cost (512 MiB for the bombs).
 */
const STREAMING_BOUND_MB = 128;

failOnUnhandledErrors();

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isPushgateError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected the walk to fail');
}

/** Runs `work` while sampling RSS; returns how far RSS rose above where it started. */
async function rssGrowth<T>(
  work: () => Promise<T>,
): Promise<{ result: PromiseSettledResult<T>; growthMB: number; ms: number }> {
  global.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const t0 = performance.now();
  const [result] = await Promise.allSettled([work()]);
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, growthMB: (peak - start) / MB, ms };
}

function codeOf(result: PromiseSettledResult<unknown>): string | undefined {
  return result.status === 'rejected' && isPushgateError(result.reason) ? result.reason.code : undefined;
}

function messageOf(result: PromiseSettledResult<unknown>): string {
  return result.status === 'rejected' && result.reason instanceof Error ? result.reason.message : '';
}

describe('walkLayer limits', () => {
  for (const compression of ['gzip', 'zstd'] as const) {
    it(`stops a ${compression} bomb (2 GiB of zeros) at a 64 MiB limit quickly, with flat memory`, async () => {
      const data = bomb(compression, 2048 * MB);
      expect(data.length).toBeLessThan(4 * MB);
      const test = layerOf(data, MEDIA_TYPE[compression]);
      const { result, growthMB, ms } = await rssGrowth(() =>
        walkLayer(streamOf(data), test.layer, [], { limits: { maxLayerUncompressedBytes: 64 * MB } }),
      );
      expect(codeOf(result)).toBe('LAYER_LIMIT');
      expect(messageOf(result)).toBe(
        `${test.layer.descriptor.digest} exceeds maxLayerUncompressedBytes (${64 * MB})`.replace(
          /^/,
          'layer ',
        ),
      );
      expect(ms).toBeLessThan(5000);
      expect(growthMB).toBeLessThan(STREAMING_BOUND_MB);
    });
  }

  it('reads a whole 512 MiB zstd bomb within limits with flat memory (backpressure)', async () => {
    const data = bomb('zstd', 512 * MB);
    const test = layerOf(data, MEDIA_TYPE.zstd);
    const { result, growthMB } = await rssGrowth(() => walkLayer(streamOf(data), test.layer, []));
    expect(result.status).toBe('fulfilled');
    expect((result as PromiseFulfilledResult<LayerWalkResult>).value.uncompressedSize).toBe(
      512 * MB + 32 * 512 + 1024,
    );
    expect(growthMB).toBeLessThan(STREAMING_BOUND_MB);
  });

  it('clamps an image budget past 2^53 instead of wrapping it (no limit refuses every layer)', () => {
    const budget = new ImageBudget(2 ** 64);
    expect(budget.remainingUncompressedBytes).toBe(Number.MAX_SAFE_INTEGER);
    expect(budget.take(1024)).toBeGreaterThan(0);
  });

  it('charges a shared image budget across layers and gives it back when a layer fails', async () => {
    const tar = await tarLayer([{ path: 'a', content: Buffer.alloc(600_000) }]);
    const test = layerOf(compressTar(tar, 'gzip'), MEDIA_TYPE.gzip);
    const budget = new ImageBudget(tar.length + 1000);
    await walkLayer(streamOf(test.data), test.layer, [], { imageBudget: budget });
    expect(budget.remainingUncompressedBytes).toBe(1000);
    const err = await failure(walkLayer(streamOf(test.data), test.layer, [], { imageBudget: budget }));
    expect(err.code).toBe('LAYER_LIMIT');
    expect(err.message).toContain('exceeds maxImageUncompressedBytes');
    expect(budget.remainingUncompressedBytes).toBe(1000);
  });

  it('refuses a zstd frame whose window exceeds zstdWindowLogMax', async () => {
    const tar = await tarLayer([{ path: 'a', content: 'x' }]);
    const compressor = new CompressStream({ windowLog: 28 });
    const chunks: Buffer[] = [];
    compressor.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve, reject) => {
      compressor.on('end', resolve);
      compressor.on('error', reject);
      compressor.end(tar);
    });
    const test = layerOf(Buffer.concat(chunks), MEDIA_TYPE.zstd);
    const err = await failure(
      walkLayer(streamOf(test.data), test.layer, [], { limits: { zstdWindowLogMax: 20 } }),
    );
    expect(err.code).toBe('LAYER_LIMIT');
    expect(err.message).toContain('zstdWindowLogMax (20)');
    const ok = await walkLayer(streamOf(test.data), test.layer, [], { limits: { zstdWindowLogMax: 28 } });
    expect(ok.table.paths).toEqual(['a']);
  });

  it('stops at maxEntriesPerLayer', async () => {
    const tar = await tarLayer(Array.from({ length: 101 }, (_, i) => ({ path: `f${i}`, content: '' })));
    const test = layerOf(tar, MEDIA_TYPE.none);
    const err = await failure(
      walkLayer(streamOf(test.data), test.layer, [], { limits: { maxEntriesPerLayer: 100 } }),
    );
    expect(err).toEqual({
      code: 'LAYER_LIMIT',
      message: `layer ${test.layer.descriptor.digest} exceeds maxEntriesPerLayer (100)`,
    });
    const ok = await walkLayer(streamOf(test.data), test.layer, [], { limits: { maxEntriesPerLayer: 101 } });
    expect(ok.entryCount).toBe(101);
  });

  it('stops at maxPathBytes for names and symlink targets', async () => {
    const longName = Buffer.concat([
      paxEntry({ path: `a/${'x'.repeat(5000)}` }),
      rawEntry({ name: 'p' }),
      END_OF_ARCHIVE,
    ]);
    const err = await failure(walkLayer(streamOf(longName), layerOf(longName, MEDIA_TYPE.none).layer, []));
    expect(err.code).toBe('LAYER_LIMIT');
    expect(err.message).toContain('exceeds maxPathBytes (4096)');
    const multibyte = Buffer.concat([
      paxEntry({ path: 'é'.repeat(2500) }),
      rawEntry({ name: 'p' }),
      END_OF_ARCHIVE,
    ]);
    expect(
      (await failure(walkLayer(streamOf(multibyte), layerOf(multibyte, MEDIA_TYPE.none).layer, []))).code,
    ).toBe('LAYER_LIMIT');
    const target = Buffer.concat([
      paxEntry({ linkpath: 't'.repeat(5000) }),
      rawEntry({ name: 's', typeflag: '2' }),
      END_OF_ARCHIVE,
    ]);
    expect(
      (await failure(walkLayer(streamOf(target), layerOf(target, MEDIA_TYPE.none).layer, []))).message,
    ).toContain('maxPathBytes');
  });

  it('refuses a 100 MB PAX header before buffering it (RSS stays flat, the source is not read to the end)', async () => {
    const size = 100 * MB;
    const head = rawHeader({ name: 'PaxHeaders/huge', typeflag: 'x', size });
    let sent = 0;
    const zeros = Buffer.alloc(MB, 0x41);
    const source = new Readable({
      read() {
        if (sent === 0) this.push(head);
        if (sent >= size) this.push(null);
        else this.push(zeros);
        sent += zeros.length;
      },
    });
    const descriptor = {
      mediaType: MEDIA_TYPE.none,
      digest: sha256(Buffer.from('unused')),
      size: size + 2048,
    };
    const { result, growthMB } = await rssGrowth(() =>
      walkLayer(
        source,
        { info: { index: 0, digest: descriptor.digest, mediaType: descriptor.mediaType }, descriptor },
        [],
      ),
    );
    expect(codeOf(result)).toBe('LAYER_LIMIT');
    expect(messageOf(result)).toContain(`exceeds maxHeaderBytes (${MB}): PAX header of ${size} bytes`);
    expect(sent).toBeLessThan(20 * MB);
    expect(growthMB).toBeLessThan(64); // buffering the 100 MB header would cost ≥ 100 MB
    expect(source.destroyed).toBe(true);
  });

  it('applies maxHeaderBytes to GNU long names too, and accepts headers within it', async () => {
    const name = 'n'.repeat(3000);
    const tar = Buffer.concat([gnuLongEntry(name), rawEntry({ name: 'x', format: 'gnu' }), END_OF_ARCHIVE]);
    const test = layerOf(tar, MEDIA_TYPE.none);
    const err = await failure(walkLayer(streamOf(tar), test.layer, [], { limits: { maxHeaderBytes: 2048 } }));
    expect(err.code).toBe('LAYER_LIMIT');
    expect(err.message).toContain('GNU long name header of 3001 bytes');
    const ok = await walkLayer(streamOf(tar), test.layer, [], { limits: { maxHeaderBytes: 4096 } });
    expect(ok.table.paths).toEqual([name]);
  });

  it('refuses an entry declaring an absurd size before reading it', async () => {
    const field = Buffer.alloc(12);
    field[0] = 0x80;
    field.writeUIntBE(2 ** 47, 6, 6);
    const tar = Buffer.concat([rawEntry({ name: 'huge', sizeField: field }), END_OF_ARCHIVE]);
    const err = await failure(walkLayer(streamOf(tar), layerOf(tar, MEDIA_TYPE.none).layer, []));
    expect(err.code).toBe('LAYER_LIMIT');
    expect(err.message).toContain(
      `exceeds maxLayerUncompressedBytes (${16 * 1024 ** 3}): entry "huge" declares ${2 ** 47} bytes`,
    );
  });
});
