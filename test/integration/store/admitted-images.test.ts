import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmittedImages } from '../../../src/store/admitted-images.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

const digestOf = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const workload = (name: string, namespace = 'shop') => ({
  namespace,
  kind: 'ReplicaSet',
  name,
  image: `registry.example.com/team/app:${name}`,
});

describe('AdmittedImages', () => {
  failOnUnhandledErrors();
  let server: RedisServer;
  let redis: Redis;
  let prefix = 0;
  const store = (options = {}): AdmittedImages => new AdmittedImages(redis, `adm-${++prefix}`, options);

  beforeAll(async () => {
    server = await startRedis({ appendOnly: false });
    redis = createRedis(server.url, { name: 'admitted-test' });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('keeps one entry per workload and digest, moved to its latest admission', async () => {
    const admitted = store();
    await admitted.record([{ digest: digestOf(1), workload: workload('a') }], new Date(Date.now() - 5000));
    await admitted.record([{ digest: digestOf(1), workload: workload('b') }], new Date(Date.now() - 4000));
    await admitted.record([{ digest: digestOf(1), workload: workload('a') }], new Date(Date.now() - 1000));
    const rows = await admitted.forDigest(digestOf(1));
    expect(rows.map((r) => r.name)).toEqual(['a', 'b']);
    expect((await admitted.all()).map((r) => r.name)).toEqual(['a', 'b']);
    expect(await admitted.forDigest(digestOf(1), new Date(Date.now() - 2000))).toHaveLength(1);
  });

  it('caps each digest and the whole index, and drops what is older than the retention', async () => {
    const admitted = store({ maxPerDigest: 2, maxEntries: 3, ttlSeconds: 3600 });
    const now = Date.now();
    for (let i = 0; i < 4; i++)
      await admitted.record(
        [{ digest: digestOf(1), workload: workload(`w${i}`) }],
        new Date(now - 10_000 + i),
      );
    expect((await admitted.forDigest(digestOf(1))).map((r) => r.name)).toEqual(['w3', 'w2']);
    expect(await admitted.all()).toHaveLength(2);
    await admitted.record([
      { digest: digestOf(2), workload: workload('x') },
      { digest: digestOf(3), workload: workload('y') },
    ]);
    // The index keeps 3: the oldest of digest 1 went, from its own set too.
    expect((await admitted.all()).map((r) => r.name).sort()).toEqual(['w3', 'x', 'y']);
    expect((await admitted.forDigest(digestOf(1))).map((r) => r.name)).toEqual(['w3']);
    // An admission older than the retention is dropped on the next write.
    await admitted.record([{ digest: digestOf(4), workload: workload('old') }], new Date(now - 7200_000));
    expect((await admitted.all()).map((r) => r.name)).not.toContain('old');
    expect(await admitted.forDigest(digestOf(4))).toEqual([]);
  });

  it('pages newest first without repeating or skipping entries admitted in the same millisecond', async () => {
    const admitted = store();
    const at = new Date();
    await admitted.record(
      Array.from({ length: 7 }, (_, i) => ({ digest: digestOf(10 + i), workload: workload(`p${i}`) })),
      at,
    );
    await admitted.record(
      [{ digest: digestOf(20), workload: workload('newest') }],
      new Date(at.getTime() + 5),
    );
    const seen: string[] = [];
    let before: string | undefined;
    for (let round = 0; round < 10; round++) {
      const page = await admitted.page(before, 3);
      seen.push(...page.items.map((i) => i.name));
      if (page.exhausted || page.items.length === 0) break;
      before = page.items.at(-1)!.cursor;
    }
    expect(seen[0]).toBe('newest');
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    await expect(admitted.page('not-a-cursor', 3)).rejects.toMatchObject({ code: 'CURSOR_INVALID' });
  });
});
