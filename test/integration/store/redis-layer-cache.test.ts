import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/gather-facts.js';
import type { CachedLayer } from '../../../src/facts/layer-cache.js';
import { openImageSource } from '../../../src/image/open-image-source.js';
import type { ResolvedImage } from '../../../src/image/types.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import { decodeCachedLayer, RedisLayerCache } from '../../../src/store/redis-layer-cache.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { buildImage, pushImage } from '../../support/image-builder.js';
import { freePort } from '../../support/ports.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { pseudoRandom } from '../../support/seed-images.js';

const githubToken = `ghp_${pseudoRandom('layer-cache-token', 36)}`;

/** Records which layers were downloaded: a cached layer must not be. */
function countOpens(image: ResolvedImage): string[] {
  const opened: string[] = [];
  for (const platform of image.platforms) {
    const open = platform.openLayer.bind(platform);
    platform.openLayer = (i) => {
      opened.push(platform.layers[i].descriptor.digest);
      return open(i);
    };
  }
  return opened;
}

const layer = (paths: string[]): CachedLayer => ({
  walk: {
    compressedSize: 10,
    uncompressedSize: 20,
    entryCount: paths.length,
    table: {
      paths,
      kinds: 'f'.repeat(paths.length),
      sizes: paths.map(() => 1),
      modes: paths.map(() => 0o644),
      links: {},
    },
    warnings: [],
  },
  results: { probe: { seen: paths.length } },
});

describe('RedisLayerCache', () => {
  failOnUnhandledErrors();
  let server: RedisServer;
  let registry: TestRegistry;
  let redis: Redis;
  let n = 0;
  const prefix = (): string => `lc${++n}`;

  beforeAll(async () => {
    [server, registry] = await Promise.all([startRedis({ appendOnly: false }), startRegistry()]);
    redis = createRedis(server.url, { name: 'layer-cache-test' });
    const image = await buildImage({
      config: { Env: ['PATH=/usr/bin:/bin'], User: 'app' },
      layers: [
        {
          files: [
            {
              path: 'etc/passwd',
              content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n',
            },
            { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
            { path: 'bin/sh', content: Buffer.alloc(2000, 1), mode: 0o755 },
            { path: 'usr/bin/gcc', content: Buffer.alloc(3000, 2), mode: 0o755 },
          ],
        },
        {
          files: [
            { path: 'app/config.env', content: `GITHUB_TOKEN=${githubToken}\n` },
            { path: 'app/server.js', content: 'console.log(1)\n' },
          ],
        },
      ],
    });
    await pushImage({ url: registry.url, repository: 'cache/redis', tag: 'v1' }, image);
  });

  afterAll(async () => {
    redis?.disconnect();
    await Promise.all([server?.stop(), registry?.stop()]);
  });

  const resolve = async (): Promise<ResolvedImage> => {
    const source = await openImageSource(`${registry.host}/cache/redis:v1`, { plainHttp: true });
    return source.resolve();
  };

  it('serves a second scan entirely from Redis, with equal facts', async () => {
    const p = prefix();
    const cold = await resolve();
    const coldOpens = countOpens(cold);
    const coldFacts = await gatherFacts(cold, { cache: new RedisLayerCache(redis, p) });
    expect(coldOpens).toHaveLength(2);
    expect(coldFacts[0].stats).toMatchObject({ layersRead: 2, layersCached: 0 });
    expect(await redis.keys(`${p}:layer:*`)).toHaveLength(2);

    // A new cache instance, as another worker process would have.
    const cache = new RedisLayerCache(redis, p);
    const warm = await resolve();
    const warmOpens = countOpens(warm);
    const warmFacts = await gatherFacts(warm, { cache });
    expect(warmOpens).toEqual([]);
    expect(warmFacts[0].stats).toMatchObject({ layersRead: 0, layersCached: 2, compressedBytesRead: 0 });
    expect(warmFacts[0].facts).toEqual(coldFacts[0].facts);
    expect(cache.stats).toMatchObject({ hits: 2, misses: 0, corrupt: 0, errors: 0 });
    // Sanity: the facts did find what the layers hold, so equality means something.
    expect(JSON.stringify(warmFacts[0].facts)).toContain('gcc');
    expect(
      (warmFacts[0].facts as { secrets?: { findings: unknown[] } }).secrets?.findings.length,
    ).toBeGreaterThan(0);
    // And no secret value went to Redis.
    for (const key of await redis.keys(`${p}:layer:*`)) {
      const stored = JSON.stringify(await decodeCachedLayer((await redis.getBuffer(key))!));
      expect(stored).not.toContain(githubToken);
    }
  });

  it('reads a corrupt or old-version entry as a miss and rewrites it', async () => {
    const p = prefix();
    await gatherFacts(await resolve(), { cache: new RedisLayerCache(redis, p) });
    const keys = await redis.keys(`${p}:layer:*`);
    await redis.set(keys[0], Buffer.from('PGLC\u0063\u0000{}', 'latin1'));
    await redis.set(keys[1], 'not an entry');
    const cache = new RedisLayerCache(redis, p);
    const image = await resolve();
    const opens = countOpens(image);
    const [result] = await gatherFacts(image, { cache });
    expect(opens).toHaveLength(2);
    expect(result.stats).toMatchObject({ layersRead: 2, layersCached: 0 });
    expect(cache.stats).toMatchObject({ hits: 0, misses: 2, corrupt: 2, writes: 2 });
    expect(await cache.get(keys[0].slice(`${p}:layer:`.length))).toBeDefined();
  });

  it('expires entries after the TTL (30 days by default), refreshed on every hit', async () => {
    const p = prefix();
    const cache = new RedisLayerCache(redis, p);
    await cache.set('k', layer(['a']));
    const ttl = await redis.ttl(`${p}:layer:k`);
    expect(ttl).toBeGreaterThan(30 * 86400 - 60);
    expect(ttl).toBeLessThanOrEqual(30 * 86400);

    await redis.expire(`${p}:layer:k`, 100);
    expect(await cache.get('k')).toEqual(layer(['a']));
    expect(await redis.ttl(`${p}:layer:k`)).toBeGreaterThan(30 * 86400 - 60);

    const short = new RedisLayerCache(redis, p, { ttlSeconds: 600 });
    await short.set('s', layer(['b']));
    expect(await redis.ttl(`${p}:layer:s`)).toBeLessThanOrEqual(600);
    const forever = new RedisLayerCache(redis, p, { ttlSeconds: 0 });
    await forever.set('f', layer(['c']));
    expect(await redis.ttl(`${p}:layer:f`)).toBe(-1);
    expect(await forever.get('f')).toEqual(layer(['c']));
    expect(await redis.ttl(`${p}:layer:f`)).toBe(-1);
    expect(await forever.get('missing')).toBeUndefined();
    expect(forever.stats).toMatchObject({ hits: 1, misses: 1 });
  });

  it('does not store entries above maxEntryBytes', async () => {
    const p = prefix();
    const cache = new RedisLayerCache(redis, p, { maxEntryBytes: 200 });
    await cache.set('big', layer(Array.from({ length: 100 }, (_, i) => `path/number/${i}`)));
    await cache.set('small', layer(['x']));
    expect(await redis.exists(`${p}:layer:big`)).toBe(0);
    expect(await redis.exists(`${p}:layer:small`)).toBe(1);
    expect(cache.stats).toMatchObject({ tooLarge: 1, writes: 1 });
  });

  it('turns Redis failures into misses and skipped writes, never errors', async () => {
    const port = await freePort();
    const down = createRedis(`redis://127.0.0.1:${port}`, {
      name: 'down',
      lazyConnect: true,
      extra: { enableOfflineQueue: false },
    });
    const reported: string[] = [];
    const cache = new RedisLayerCache(down, 'x', { onError: (_err, op) => reported.push(op) });
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', layer(['a']));
    expect(reported).toEqual(['get', 'set']);
    expect(cache.stats).toMatchObject({ misses: 1, errors: 2, writes: 0 });
    down.disconnect();
  });
});
