import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isPushgateError, PushgateError } from '../../../src/errors.js';
import { EXTRACTORS } from '../../../src/facts/extractors/index.js';
import { LayerThreadPool } from '../../../src/facts/layer-thread-pool.js';
import { readLayer } from '../../../src/facts/read-layer.js';
import { ImageBudget } from '../../../src/inspect/image-budget.js';
import { DigestCheckStream } from '../../../src/oci/digest-check-stream.js';
import { DEFAULT_WALK_LIMITS } from '../../../src/inspect/types.js';
import { compressTar, layerOf, MEDIA_TYPE, streamOf } from '../../fixtures/layers/layer-blobs.js';
import { tarLayer } from '../../support/image-builder.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';

failOnUnhandledErrors();

const MiB = 1024 * 1024;
const ALL = EXTRACTORS.map((extractor) => ({ id: extractor.id }));
const pool = new LayerThreadPool(2);
afterAll(() => pool.close());

const options = (budget = new ImageBudget(DEFAULT_WALK_LIMITS.maxImageUncompressedBytes)) => ({
  limits: DEFAULT_WALK_LIMITS,
  budget,
});

async function failure(promise: Promise<unknown>): Promise<PushgateError> {
  try {
    await promise;
  } catch (err) {
    if (isPushgateError(err)) return err;
    throw err;
  }
  throw new Error('expected the read to fail');
}

/** A blob stream that gives 100 bytes of `gz`, then fails with `error`. */
function failingAfter100(gz: Buffer, error: Error): Readable {
  return new Readable({
    read() {
      this.push(gz.subarray(0, 100));
      this.destroy(error);
    },
  });
}

async function sampleLayer(): Promise<{ tar: Buffer; gz: Buffer }> {
  const tar = await tarLayer([
    { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
    { path: 'usr/bin/gcc', content: Buffer.alloc(2048, 1), mode: 0o755 },
    { path: 'app/.env', content: 'GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3Xq9Zp2Lm7Kd8Wj5Hs1Fb6\n' },
  ]);
  return { tar, gz: compressTar(tar, 'gzip') };
}

describe('reading layers in worker threads', () => {
  it('gives the same result as reading on this thread, with every extractor', async () => {
    const { gz } = await sampleLayer();
    const test = layerOf(gz, MEDIA_TYPE.gzip);
    const threaded = await pool.read(async () => streamOf(gz, 1000), test.layer, ALL, options());
    const local = await readLayer(streamOf(gz, 1000), test.layer, EXTRACTORS, options());
    expect(threaded).toEqual(JSON.parse(JSON.stringify(local)));
    expect(threaded.walk.entryCount).toBe(local.walk.entryCount);
    expect(JSON.stringify(threaded.results.secrets)).toContain('app/.env');
  });

  it('keeps the code and details of a failure in the thread', async () => {
    const { gz } = await sampleLayer();
    const wrongDigest = layerOf(gz, MEDIA_TYPE.gzip, { digest: `sha256:${'0'.repeat(64)}` });
    const mismatch = await failure(pool.read(async () => streamOf(gz), wrongDigest.layer, ALL, options()));
    expect(mismatch).toBeInstanceOf(PushgateError);
    expect(mismatch.code).toBe('DIGEST_MISMATCH');
    const garbage = Buffer.alloc(4096, 7);
    const corrupt = layerOf(garbage, MEDIA_TYPE.gzip);
    const err = await failure(pool.read(async () => streamOf(garbage), corrupt.layer, ALL, options()));
    expect(err.code).toBe('LAYER_CORRUPT');
  });

  it('fails a layer whose digest-checking source fails at the end, though the thread does not hash it', async () => {
    const { gz } = await sampleLayer();
    const lying = layerOf(gz, MEDIA_TYPE.gzip, { digest: `sha256:${'3'.repeat(64)}` });
    const source = new DigestCheckStream({ ...lying.layer.descriptor, what: 'pull blob prod/app' });
    streamOf(gz).pipe(source);
    const err = await failure(pool.read(async () => source, lying.layer, ALL, options()));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toContain('pull blob prod/app');
  });

  it('passes a download failure through with its code, and the thread reads the next layer', async () => {
    const { gz } = await sampleLayer();
    const test = layerOf(gz, MEDIA_TYPE.gzip);
    const broken = failingAfter100(
      gz,
      new PushgateError('REGISTRY_UNREACHABLE', 'connection reset while pulling', { transient: true }),
    );
    const err = await failure(pool.read(async () => broken, test.layer, ALL, options()));
    expect(err.code).toBe('REGISTRY_UNREACHABLE');
    expect(err.transient).toBe(true);
    const again = await pool.read(async () => streamOf(gz), test.layer, ALL, options());
    expect(again.walk.entryCount).toBeGreaterThan(0);
  });

  it('classifies a dropped connection as it would on this thread: transient REGISTRY_UNREACHABLE', async () => {
    const { gz } = await sampleLayer();
    const test = layerOf(gz, MEDIA_TYPE.gzip);
    const dropped = failingAfter100(
      gz,
      Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    );
    const err = await failure(pool.read(async () => dropped, test.layer, ALL, options()));
    expect(err.code).toBe('REGISTRY_UNREACHABLE');
    expect(err.transient).toBe(true);
    expect(err.message).toContain('other side closed');
  });

  it('does not open a layer whose scan was stopped while it waited for a thread', async () => {
    const { gz } = await sampleLayer();
    const test = layerOf(gz, MEDIA_TYPE.gzip);
    const single = new LayerThreadPool(1);
    try {
      const controller = new AbortController();
      const held = single.read(
        async () =>
          new Readable({
            read() {
              // Holds the only thread until released.
            },
          }),
        test.layer,
        [],
        { ...options(), signal: controller.signal },
      );
      let opened = false;
      const waiting = single.read(
        async () => {
          opened = true;
          return streamOf(gz);
        },
        test.layer,
        ALL,
        { ...options(), signal: controller.signal },
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort(new PushgateError('SCAN_TIMEOUT', 'took too long'));
      const [first, second] = await Promise.allSettled([held, waiting]);
      expect(first.status).toBe('rejected');
      expect(second.status).toBe('rejected');
      expect(((second as PromiseRejectedResult).reason as Error).name).toBe('AbortError');
      expect(opened).toBe(false);
    } finally {
      await single.terminateAll();
    }
  });

  it('charges one image budget across threads: two layers under the limit each, over it together', async () => {
    const tar = await tarLayer([{ path: 'big', content: Buffer.alloc(3 * MiB, 1) }]);
    const gz = compressTar(tar, 'gzip');
    const test = layerOf(gz, MEDIA_TYPE.gzip);
    const budget = new ImageBudget(tar.length + tar.length / 2);
    const results = await Promise.allSettled([
      pool.read(async () => streamOf(gz), test.layer, [], options(budget)),
      pool.read(async () => streamOf(gz), test.layer, [], options(budget)),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(((rejected[0] as PromiseRejectedResult).reason as PushgateError).code).toBe('LAYER_LIMIT');
    // The failed layer gave its bytes back: what remains is the limit minus one layer.
    expect(budget.remainingUncompressedBytes).toBe(tar.length / 2);
  });

  it('stops a layer when the scan is aborted, with the abort reason', async () => {
    const tar = await tarLayer([{ path: 'big', content: Buffer.alloc(16 * MiB, 1) }]);
    const test = layerOf(tar, MEDIA_TYPE.none);
    const controller = new AbortController();
    let pulled = 0;
    const slow = new Readable({
      read() {
        if (pulled >= tar.length) return void this.push(null);
        setTimeout(() => {
          this.push(tar.subarray(pulled, pulled + 64 * 1024));
          pulled += 64 * 1024;
        }, 1);
      },
    });
    setTimeout(() => controller.abort(new PushgateError('SCAN_TIMEOUT', 'took too long')), 50);
    const started = Date.now();
    const err = await pool
      .read(async () => slow, test.layer, [], { ...options(), signal: controller.signal })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err).toBeDefined();
    expect(err!.name).toBe('AbortError');
    expect(pulled).toBeLessThan(tar.length);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('does not let a fast download run ahead of the thread (the source is paused)', async () => {
    const tar = await tarLayer([{ path: 'big', content: Buffer.alloc(96 * MiB, 3) }]);
    const test = layerOf(tar, MEDIA_TYPE.none);
    let pulled = 0;
    let ahead = 0;
    let reports = 0;
    const source = new Readable({
      read() {
        if (pulled >= tar.length) return void this.push(null);
        this.push(tar.subarray(pulled, pulled + MiB));
        pulled += MiB;
      },
    });
    await pool.read(async () => source, test.layer, [], {
      ...options(),
      // How far the download is ahead of the walker whenever the thread says where it is.
      onProgress: (progress) => {
        reports++;
        ahead = Math.max(ahead, pulled - progress.compressedBytes);
      },
    });
    expect(reports).toBeGreaterThan(0);
    // Without flow control the whole 96 MiB is pulled before the thread has walked much of it.
    expect(ahead).toBeLessThan(32 * MiB);
  });

  it('fails the layer when its thread dies, and starts a fresh thread for the next one', async () => {
    const { gz } = await sampleLayer();
    const test = layerOf(gz, MEDIA_TYPE.gzip);
    await expect(
      pool.read(async () => streamOf(gz), test.layer, [{ id: 'no-such-extractor' }], options()),
    ).rejects.toThrow('no extractor "no-such-extractor"');
    const crashing = new LayerThreadPool(1);
    try {
      const read = crashing.read(
        async () =>
          new Readable({
            read() {
              // Never ends: only the thread's death can finish this read.
            },
          }),
        test.layer,
        ALL,
        options(),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await crashing.terminateAll();
      const died = await failure(read);
      expect(died.code).toBe('INTERNAL');
      expect(died.message).toContain('stopped');
      const next = await crashing.read(async () => streamOf(gz), test.layer, ALL, options());
      expect(next.walk.entryCount).toBeGreaterThan(0);
    } finally {
      await crashing.close();
    }
  });
});
