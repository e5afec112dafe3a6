import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushgateError } from '../../src/errors.js';
import { gatherFacts } from '../../src/facts/gather-facts.js';
import { MemoryLayerCache } from '../../src/facts/layer-cache.js';
import { openImageSource } from '../../src/image/open-image-source.js';
import type { ResolvedImage } from '../../src/image/types.js';
import { buildImage, buildIndex, pushImage, type BuiltImage } from '../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

/** Counts openLayer calls: a cached layer must not be downloaded again. */
function countOpens(image: ResolvedImage): { opened: string[] } {
  const counter = { opened: [] as string[] };
  for (const platform of image.platforms) {
    const open = platform.openLayer.bind(platform);
    platform.openLayer = (i) => {
      counter.opened.push(platform.layers[i].descriptor.digest);
      return open(i);
    };
  }
  return counter;
}

describe('per-layer cache', () => {
  let registry: TestRegistry;
  const shared = { path: 'usr/lib/shared.so', content: Buffer.alloc(50_000, 3) };
  let base: BuiltImage;

  const resolve = async (reference: string): Promise<ResolvedImage> => {
    const source = await openImageSource(`${registry.host}/${reference}`, { plainHttp: true });
    return source.resolve();
  };

  beforeAll(async () => {
    registry = await startRegistry();
    base = await buildImage({
      layers: [{ files: [shared] }, { files: [{ path: 'app/v1', content: 'one' }] }],
    });
    const next = await buildImage({
      layers: [{ files: [shared] }, { files: [{ path: 'app/v2', content: 'two' }] }],
    });
    await pushImage({ url: registry.url, repository: 'cache/app', tag: 'v1' }, base);
    await pushImage({ url: registry.url, repository: 'cache/app', tag: 'v2' }, next);
    const arm = await buildImage({
      platform: { os: 'linux', architecture: 'arm64' },
      layers: [{ files: [shared] }],
    });
    const amd = await buildImage({ layers: [{ files: [shared] }] });
    await pushImage(
      { url: registry.url, repository: 'cache/multi', tag: 'v1' },
      await buildIndex([amd, arm]),
    );
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('does not download any layer again when rescanning a cached image, and gives the same facts', async () => {
    const cache = new MemoryLayerCache();
    const first = await resolve('cache/app:v1');
    const firstOpens = countOpens(first);
    const cold = await gatherFacts(first, { cache });
    expect(firstOpens.opened).toHaveLength(2);
    expect(cold[0].stats).toMatchObject({ layersRead: 2, layersCached: 0 });

    const again = await resolve('cache/app:v1');
    const againOpens = countOpens(again);
    const warm = await gatherFacts(again, { cache });
    expect(againOpens.opened).toEqual([]);
    expect(warm[0].stats).toMatchObject({ layersRead: 0, layersCached: 2 });
    expect(warm[0].facts).toEqual(cold[0].facts);
  });

  it('reads only the layers another image has not brought into the cache', async () => {
    const cache = new MemoryLayerCache();
    await gatherFacts(await resolve('cache/app:v1'), { cache });
    const next = await resolve('cache/app:v2');
    const opens = countOpens(next);
    const [result] = await gatherFacts(next, { cache });
    expect(opens.opened).toEqual([next.platforms[0].layers[1].descriptor.digest]);
    expect(result.facts.layers[0].fileCount).toBe(1);
  });

  it('reads a layer shared by two platforms of an index once', async () => {
    const image = await resolve('cache/multi:v1');
    expect(image.platforms).toHaveLength(2);
    const opens = countOpens(image);
    const results = await gatherFacts(image, { cache: new MemoryLayerCache() });
    expect(opens.opened).toHaveLength(1);
    expect(results.map((r) => r.facts.totals.fileCount)).toEqual([1, 1]);
  });

  it('reads the layer again when an extractor version changes', async () => {
    const cache = new MemoryLayerCache();
    const extractor = {
      id: 'probe',
      version: 1,
      wants: () => 'header' as const,
      collect: () => ({ onEntry: () => undefined, finish: () => ({}) }),
      assemble: () => ({}),
      checks: [],
      schema: {},
      findings: () => [],
    };
    await gatherFacts(await resolve('cache/app:v1'), { cache, extractors: [extractor] });
    const image = await resolve('cache/app:v1');
    const opens = countOpens(image);
    await gatherFacts(image, { cache, extractors: [{ ...extractor, version: 2 }] });
    expect(opens.opened).toHaveLength(2);
  });

  it('still refuses an image over the uncompressed limit when its layers come from the cache', async () => {
    const cache = new MemoryLayerCache();
    await gatherFacts(await resolve('cache/app:v1'), { cache });
    const err = await gatherFacts(await resolve('cache/app:v1'), {
      cache,
      limits: { maxImageUncompressedBytes: 10_000 },
    }).then(
      () => undefined,
      (e: unknown) => e as PushgateError,
    );
    expect(err?.code).toBe('LAYER_LIMIT');
    expect(err?.message).toContain('maxImageUncompressedBytes');
  });
});
