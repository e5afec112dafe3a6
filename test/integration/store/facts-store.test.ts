import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageFacts } from '../../../src/facts/image-facts.js';
import { FactsStore } from '../../../src/store/facts-store.js';
import { subscribeImageChanges, type ImageChange } from '../../../src/store/image-changes.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';

const digestOf = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

function facts(platform: string, files: number): ImageFacts {
  return {
    image: {
      reference: 'r',
      source: 'registry',
      configDigest: digestOf(99),
      platform,
      labels: {},
      annotations: {},
    },
    config: {},
    history: [],
    layers: [],
    totals: {},
    // Bulk that compresses: a facts document of a large image.
    compilers: Array.from({ length: files }, (_, i) => ({ name: `tool-${i % 7}`, evidence: [] })),
  } as unknown as ImageFacts;
}

describe('FactsStore', () => {
  failOnUnhandledErrors();
  let server: RedisServer;
  let redis: Redis;
  let subscriber: Redis;

  beforeAll(async () => {
    server = await startRedis({ appendOnly: false });
    redis = createRedis(server.url, { name: 'facts-test' });
    subscriber = createRedis(server.url, { name: 'facts-test-sub' });
  });
  afterAll(async () => {
    redis?.disconnect();
    subscriber?.disconnect();
    await server?.stop();
  });

  it('stores an image manifest and an index by digest, deflated, and announces both', async () => {
    const store = new FactsStore(redis, 'fs1');
    const changes: ImageChange[] = [];
    const unsubscribe = await subscribeImageChanges(subscriber, 'fs1', (c) => changes.push(c));
    try {
      await store.put(digestOf(1), [
        { digest: digestOf(1), platform: 'linux/amd64', facts: facts('linux/amd64', 5000) },
      ]);
      expect(await store.get(digestOf(1))).toEqual([
        { digest: digestOf(1), platform: 'linux/amd64', facts: facts('linux/amd64', 5000) },
      ]);
      // Deflated: far smaller than its JSON.
      const stored = await redis.getBuffer(`fs1:facts:${digestOf(1)}`);
      expect(stored!.length).toBeLessThan(JSON.stringify(facts('linux/amd64', 5000)).length / 10);

      await store.put(digestOf(10), [
        { digest: digestOf(11), platform: 'linux/amd64', facts: facts('linux/amd64', 1) },
        { digest: digestOf(12), platform: 'linux/arm64', facts: facts('linux/arm64', 2) },
      ]);
      expect((await store.get(digestOf(10)))?.map((p) => [p.digest, p.platform])).toEqual([
        [digestOf(11), 'linux/amd64'],
        [digestOf(12), 'linux/arm64'],
      ]);
      expect((await store.get(digestOf(12)))?.[0].facts?.image.platform).toBe('linux/arm64');
      expect(await store.get(digestOf(2))).toBeUndefined();
      await waitFor('both announcements', async () => changes.length === 2, 5000);
      expect(changes).toEqual([
        { digests: [digestOf(1)] },
        { digests: [digestOf(10), digestOf(11), digestOf(12)] },
      ]);
    } finally {
      await unsubscribe();
    }
  });

  it('an index missing a platform has no facts; a document over the cap is marked, not stored', async () => {
    const store = new FactsStore(redis, 'fs2', { maxEntryBytes: 4096 });
    await store.put(digestOf(20), [
      { digest: digestOf(21), platform: 'linux/amd64', facts: facts('linux/amd64', 1) },
      { digest: digestOf(22), platform: 'linux/arm64', facts: facts('linux/arm64', 1) },
    ]);
    await redis.del(`fs2:facts:${digestOf(22)}`);
    expect(await store.get(digestOf(20))).toBeUndefined();

    const random = Array.from({ length: 3000 }, (_, i) => ({ name: `${i}-${Math.random()}`, evidence: [] }));
    await store.put(digestOf(30), [
      {
        digest: digestOf(30),
        platform: 'linux/amd64',
        facts: { ...facts('linux/amd64', 0), compilers: random } as unknown as ImageFacts,
      },
    ]);
    expect(await store.get(digestOf(30))).toEqual([{ digest: digestOf(30), platform: 'linux/amd64' }]);

    await redis.set(`fs2:facts:${digestOf(40)}`, 'not an entry');
    expect(await store.get(digestOf(40))).toBeUndefined();
  });

  it('expires facts with a TTL when one is configured, and keeps them without', async () => {
    await new FactsStore(redis, 'fs3', { ttlSeconds: 60 }).put(digestOf(1), [
      { digest: digestOf(1), platform: 'linux/amd64', facts: facts('linux/amd64', 1) },
    ]);
    expect(await redis.ttl(`fs3:facts:${digestOf(1)}`)).toBeGreaterThan(50);
    await new FactsStore(redis, 'fs4').put(digestOf(1), [
      { digest: digestOf(1), platform: 'linux/amd64', facts: facts('linux/amd64', 1) },
    ]);
    expect(await redis.ttl(`fs4:facts:${digestOf(1)}`)).toBe(-1);
  });
});
