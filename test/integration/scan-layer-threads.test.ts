import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FactExtractor } from '../../src/facts/extractor.js';
import { EXTRACTORS } from '../../src/facts/extractors/index.js';
import { createSecretsExtractor } from '../../src/facts/extractors/secrets.js';
import { gatherFacts } from '../../src/facts/gather-facts.js';
import { layerThreadPool } from '../../src/facts/layer-thread-pool.js';
import { openImageSource } from '../../src/image/open-image-source.js';
import { buildImage, pushImage } from '../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const MiB = 1024 * 1024;

/** Facts of a registry image, read with or without layer threads. */
async function factsOf(
  registry: TestRegistry,
  reference: string,
  threads: boolean,
  extractors?: FactExtractor[],
): Promise<unknown> {
  const source = await openImageSource(`${registry.host}/${reference}`, { plainHttp: true });
  try {
    const platforms = await gatherFacts(await source.resolve(), {
      threads,
      ...(extractors === undefined ? {} : { extractors }),
    });
    return platforms.map((p) => p.facts);
  } finally {
    await source.close();
  }
}

describe('layers read in worker threads', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry();
    const small = await buildImage({
      layers: [
        { files: [{ path: 'etc/os-release', content: 'ID=alpine\n' }] },
        {
          files: [{ path: 'app/.env', content: 'GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3Xq9Zp2Lm7Kd8Wj5Hs1Fb6\n' }],
        },
      ],
    });
    await pushImage({ url: registry.url, repository: 'threads/small', tag: 'v1' }, small);
    // Random bytes do not compress: each layer is over the size worth a thread.
    const large = await buildImage({
      layers: [
        {
          files: [
            { path: 'usr/bin/gcc', content: Buffer.alloc(4096, 1), mode: 0o755 },
            { path: 'data/a', content: randomBytes(20 * MiB) },
          ],
        },
        {
          files: [
            {
              path: 'app/.npmrc',
              content: '//registry.example.com/:_authToken=npm_R4nd0mT0k3nV4lu3Xq9Zp2Lm7Kd8Wj5Hs1\n',
            },
            { path: 'data/b', content: randomBytes(20 * MiB) },
          ],
        },
        { files: [{ path: 'data/c', content: randomBytes(20 * MiB) }] },
      ],
    });
    await pushImage({ url: registry.url, repository: 'threads/large', tag: 'v1' }, large);
    const uneven = await buildImage({
      layers: [
        { files: [{ path: 'data/two', content: randomBytes(2 * MiB) }] },
        { files: [{ path: 'data/small', content: randomBytes(100 * 1024) }] },
        { files: [{ path: 'data/six', content: randomBytes(6 * MiB) }] },
      ],
    });
    await pushImage({ url: registry.url, repository: 'threads/uneven', tag: 'v1' }, uneven);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('reads a small image on this thread: no thread is started for a few kilobytes', async () => {
    await factsOf(registry, 'threads/small:v1', true);
    expect(layerThreadPool(2).threads).toBe(0);
  });

  it('starts with the largest layer (on this thread), then the others largest first', async () => {
    const source = await openImageSource(`${registry.host}/threads/uneven:v1`, { plainHttp: true });
    const started: number[] = [];
    try {
      const [platform] = await gatherFacts(await source.resolve(), {
        onProgress: (progress) => {
          if (progress.state === 'reading' && progress.compressedBytes === 0) started.push(progress.layer);
        },
      });
      expect(platform.facts.layers.map((layer) => layer.index)).toEqual([0, 1, 2]);
    } finally {
      await source.close();
    }
    expect(started).toEqual([2, 0, 1]);
  });

  it('reads large layers in a thread too, with the same facts as on this thread alone', async () => {
    const threaded = await factsOf(registry, 'threads/large:v1', true);
    expect(layerThreadPool(2).threads).toBeGreaterThan(0);
    const local = await factsOf(registry, 'threads/large:v1', false);
    expect(threaded).toEqual(local);
    expect(JSON.stringify(threaded)).toContain('app/.npmrc');
    expect(JSON.stringify(threaded)).toContain('usr/bin/gcc');
  });

  it('reads in threads with the configured secrets extractor of the service, fingerprinting with its key', async () => {
    // The worker's list (workers/worker-context.ts): the registered extractors, secrets made with the key.
    const configured = EXTRACTORS.map((extractor) =>
      extractor.id === 'secrets'
        ? (createSecretsExtractor({ fingerprintKey: 'a-configured-key' }) as FactExtractor)
        : extractor,
    );
    const before = layerThreadPool(2).layersRead;
    const threaded = JSON.stringify(await factsOf(registry, 'threads/large:v1', true, configured));
    expect(layerThreadPool(2).layersRead).toBeGreaterThan(before);
    const local = JSON.stringify(await factsOf(registry, 'threads/large:v1', false, configured));
    expect(threaded).toEqual(local);
    const defaultKey = JSON.stringify(await factsOf(registry, 'threads/large:v1', false));
    const fingerprints = (text: string): string[] =>
      [...text.matchAll(/"fingerprint":"([^"]+)"/g)].map((m) => m[1]);
    expect(fingerprints(threaded).length).toBeGreaterThan(0);
    expect(fingerprints(threaded)).not.toEqual(fingerprints(defaultKey));
  });
});
