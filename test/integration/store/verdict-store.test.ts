import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../../src/store/redis-connection.js';
import type { ActionRecord, ImageRecord } from '../../../src/store/types.js';
import { VerdictStore } from '../../../src/store/verdict-store.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { freePort } from '../../support/ports.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

const digestOf = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

function record(overrides: Partial<ImageRecord> = {}): ImageRecord {
  const digest = overrides.digest ?? digestOf(1);
  return {
    registry: 'local',
    registryHost: '127.0.0.1:5000',
    repository: 'team/app',
    digest,
    tags: ['1.0'],
    decision: 'reject',
    reasons: ['no-compilers: gcc 12.2.0 found in /usr/bin/gcc (layer 2) – «ünïcode»'],
    verdicts: [
      {
        digest,
        image: `127.0.0.1:5000/team/app@${digest}`,
        platform: 'linux/amd64',
        decision: 'reject',
        policies: [
          {
            name: 'no-compilers',
            mode: 'enforce',
            result: 'fail',
            violations: [
              {
                rule: 'compilers',
                severity: 'high',
                message: 'gcc found',
                instancePath: '/compilers/0',
                evidence: [
                  { layer: 2, path: 'usr/bin/gcc', nested: { empty: [], n: 0, f: 0.5, big: 2 ** 52 } },
                ],
              },
            ],
          },
          { name: 'audit-only', mode: 'audit', result: 'error', violations: [], error: 'schema: x' },
        ],
        policySetVersion: 'sha256:abc',
        evaluatedAt: '2025-01-02T03:04:05.678Z',
      },
    ],
    facts: {
      platforms: ['linux/amd64'],
      user: 'root',
      compilers: ['gcc'],
      shells: ['sh', 'bash'],
      packageManagers: [],
      secrets: 0,
      sizeBytes: 123_456_789_012,
      layers: 3,
    },
    actions: [],
    policySetVersion: 'sha256:abc',
    evaluatedAt: '2025-01-02T03:04:05.678Z',
    scanMs: 1234,
    ...overrides,
  };
}

const action = (detail: string, kind: ActionRecord['kind'] = 'tag'): ActionRecord => ({
  kind,
  outcome: 'done',
  detail,
  at: '2025-01-02T03:04:06.000Z',
});

describe('VerdictStore', () => {
  failOnUnhandledErrors();
  let server: RedisServer;
  let redis: Redis;
  let other: Redis;
  let n = 0;
  /** A fresh prefix per test: the tests share one Redis. */
  const prefix = (): string => `vs${++n}`;

  beforeAll(async () => {
    server = await startRedis({ appendOnly: false });
    redis = createRedis(server.url, { name: 'verdict-store-test' });
    other = createRedis(server.url, { name: 'verdict-store-test-2' });
  });

  afterAll(async () => {
    redis?.disconnect();
    other?.disconnect();
    await server?.stop();
  });

  it('round-trips a record unchanged', async () => {
    const store = new VerdictStore(redis, prefix());
    const original = record({
      actions: [action('tag 127.0.0.1:5000/team/app:1.0-rejected')],
      error: { code: 'LAYER_LIMIT', message: 'layer 3: too many entries' },
    });
    const snapshot = JSON.stringify(original);
    await store.put(original);
    const back = await store.get(original.digest, { registry: 'local', repository: 'team/app' });
    expect(JSON.stringify(back)).toBe(snapshot);
    expect(JSON.stringify(original)).toBe(snapshot);
    expect(await store.get(original.digest)).toEqual(original);
  });

  it('finds a digest held by several repositories: the most recent, or all of them', async () => {
    const store = new VerdictStore(redis, prefix());
    const digest = digestOf(7);
    await store.put(record({ digest, repository: 'a/one', evaluatedAt: '2025-01-01T00:00:00.000Z' }));
    await store.put(record({ digest, repository: 'b/two', evaluatedAt: '2025-01-03T00:00:00.000Z' }));
    await store.put(
      record({ digest, registry: 'hub', repository: 'a/one', evaluatedAt: '2025-01-02T00:00:00.000Z' }),
    );
    expect((await store.get(digest))?.repository).toBe('b/two');
    expect(await store.get(digest, { repository: 'a/one' })).toMatchObject({
      registry: 'hub',
      repository: 'a/one',
    });
    expect(await store.get(digest, { registry: 'local' })).toMatchObject({ repository: 'b/two' });
    expect(await store.get(digest, { registry: 'local', repository: 'a/one' })).toMatchObject({
      registry: 'local',
      repository: 'a/one',
    });
    expect((await store.getAll(digest)).map((r) => `${r.registry}/${r.repository}`)).toEqual([
      'local/b/two',
      'hub/a/one',
      'local/a/one',
    ]);
    expect(await store.get(digestOf(8))).toBeUndefined();
    expect(await store.get(digest, { registry: 'nowhere' })).toBeUndefined();
    expect(await store.getAll(digestOf(8))).toEqual([]);
  });

  it('keeps every tag intake recorded, before and after the verdict is stored', async () => {
    const store = new VerdictStore(redis, prefix());
    const digest = digestOf(9);
    await store.addTags('local', 'team/app', digest, ['latest', 'v2']);
    await store.addTags('local', 'team/app', digest, ['v2', '']);
    expect(await store.tags('local', 'team/app', digest)).toEqual(['latest', 'v2']);
    await store.put(record({ digest, tags: ['v2', '2.0.1'] }));
    await store.addTags('local', 'team/app', digest, ['stable']);
    expect(await store.tags('local', 'team/app', digest)).toEqual(['2.0.1', 'latest', 'stable', 'v2']);
    expect((await store.get(digest))?.tags).toEqual(['v2', '2.0.1', 'latest', 'stable']);
    expect(await store.tags('other', 'team/app', digest)).toEqual([]);
  });

  it('appends actions atomically, from concurrent writers on two connections', async () => {
    const p = prefix();
    const store = new VerdictStore(redis, p);
    const second = new VerdictStore(other, p);
    const digest = digestOf(10);
    expect(await store.appendActions('local', 'team/app', digest, [action('too early')])).toBe(false);
    expect(await store.tags('local', 'team/app', digest)).toEqual([]);
    await store.put(record({ digest, actions: [action('first')] }));
    const writes = Array.from({ length: 40 }, (_, i) =>
      (i % 2 ? store : second).appendActions('local', 'team/app', digest, [
        action(`a${i}`),
        action(`b${i}`, 'notify'),
      ]),
    );
    expect(await Promise.all(writes)).toEqual(Array(40).fill(true));
    const actions = (await store.get(digest))!.actions;
    expect(actions).toHaveLength(81);
    expect(actions[0].detail).toBe('first');
    const details = actions.map((a) => a.detail);
    for (let i = 0; i < 40; i++) {
      // Each call's actions stay together and in order.
      expect(details.indexOf(`b${i}`)).toBe(details.indexOf(`a${i}`) + 1);
    }
    expect(await store.appendActions('local', 'team/app', digest, [])).toBe(true);
    // A new verdict for the image replaces the actions of the old one.
    await store.put(record({ digest, actions: [] }));
    expect((await store.get(digest))!.actions).toEqual([]);
  });

  it('lists newest first, pages by cursor without gaps or repeats (ties included), and filters', async () => {
    const store = new VerdictStore(redis, prefix());
    const written: string[] = [];
    for (let i = 0; i < 40; i++) {
      // 20 distinct times, two repositories, two registries; several records share a timestamp.
      const evaluatedAt = new Date(Date.UTC(2025, 0, 1, 0, 0, Math.floor(i / 2))).toISOString();
      const r = record({
        digest: digestOf(100 + i),
        repository: i % 4 < 2 ? 'team/api' : 'team/web',
        registry: i % 3 === 0 ? 'hub' : 'local',
        evaluatedAt,
      });
      await store.put(r);
      written.push(r.digest);
    }
    // Sixteen more at one and the same instant, more than a page (and a read batch) holds.
    for (let i = 0; i < 16; i++) {
      await store.put(record({ digest: digestOf(200 + i), evaluatedAt: '2025-01-01T00:00:30.000Z' }));
    }

    const first = await store.list({ limit: 5 });
    expect(first.items).toHaveLength(5);
    expect(first.items.every((r) => r.evaluatedAt === '2025-01-01T00:00:30.000Z')).toBe(true);

    const seen: ImageRecord[] = [];
    let before: string | undefined;
    for (let page = 0; page < 30; page++) {
      const result = await store.list({ limit: 3, before });
      seen.push(...result.items);
      if (!result.next) break;
      before = result.next;
    }
    expect(seen).toHaveLength(56);
    expect(new Set(seen.map((r) => r.digest)).size).toBe(56);
    const times = seen.map((r) => Date.parse(r.evaluatedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const web = await store.list({ repository: 'team/web', limit: 500 });
    expect(web.items).toHaveLength(20);
    expect(web.items.every((r) => r.repository === 'team/web')).toBe(true);
    expect(web.next).toBeUndefined();
    const hub = await store.list({ registry: 'hub', limit: 500 });
    expect(hub.items).toHaveLength(14);
    const hubWeb = await store.list({ registry: 'hub', repository: 'team/web', limit: 500 });
    expect(hubWeb.items.map((r) => r.digest).sort()).toEqual(
      hub.items
        .filter((r) => r.repository === 'team/web')
        .map((r) => r.digest)
        .sort(),
    );
    expect((await store.list({ repository: 'nobody/here' })).items).toEqual([]);
    expect(await store.list({ limit: 0 })).toMatchObject({ items: [expect.anything()] });
    expect((await store.list({ limit: 10_000 })).items).toHaveLength(56);
    expect((await store.list()).items).toHaveLength(50);
  });

  it('refuses a cursor it did not make', async () => {
    const store = new VerdictStore(redis, prefix());
    for (const before of ['nonsense!', Buffer.from('abc|x').toString('base64url'), '', 'x'.repeat(5000)]) {
      await expect(store.list({ before })).rejects.toMatchObject({ code: 'CURSOR_INVALID' });
    }
  });

  it('keeps records forever by default, and expires them with ttlSeconds', async () => {
    const p = prefix();
    const forever = new VerdictStore(redis, p);
    await forever.put(record({ digest: digestOf(300), actions: [action('x')] }));
    await forever.addTags('local', 'team/app', digestOf(300), ['t']);
    const keys = await redis.keys(`${p}:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await redis.ttl(key)).toBe(-1);

    const q = prefix();
    const expiring = new VerdictStore(redis, q, { ttlSeconds: 3600 });
    const digest = digestOf(301);
    await expiring.addTags('local', 'team/app', digest, ['early']);
    expect(await redis.ttl(`${q}:img-tags:local/team/app@${digest}`)).toBeGreaterThan(3500);
    await expiring.put(record({ digest }));
    await expiring.appendActions('local', 'team/app', digest, [action('late')]);
    for (const kind of ['img', 'img-tags', 'img-actions']) {
      const ttl = await redis.ttl(`${q}:${kind}:local/team/app@${digest}`);
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
    }
  });

  it('skips and prunes index entries whose record expired', async () => {
    const p = prefix();
    const store = new VerdictStore(redis, p);
    for (let i = 0; i < 6; i++) {
      await store.put(record({ digest: digestOf(400 + i), evaluatedAt: `2025-02-0${i + 1}T00:00:00.000Z` }));
    }
    // What an expiry does: the record goes, the index members stay.
    await redis.del(`${p}:img:local/team/app@${digestOf(405)}`, `${p}:img:local/team/app@${digestOf(403)}`);
    const page = await store.list({ limit: 3 });
    expect(page.items.map((r) => r.digest)).toEqual([digestOf(404), digestOf(402), digestOf(401)]);
    expect(await redis.zcard(`${p}:img-recent`)).toBe(4);
    expect(await store.get(digestOf(405))).toBeUndefined();
    expect(await store.getAll(digestOf(403))).toEqual([]);
    expect(await redis.exists(`${p}:img-digest:${digestOf(403)}`)).toBe(0);
  });

  it('fails with a transient STORE_UNAVAILABLE error when Redis cannot be reached', async () => {
    const port = await freePort();
    const down = createRedis(`redis://:not-a-real-password@127.0.0.1:${port}`, {
      name: 'down',
      lazyConnect: true,
      extra: { enableOfflineQueue: false },
    });
    const store = new VerdictStore(down, 'x');
    for (const call of [
      () => store.put(record()),
      () => store.get(digestOf(1)),
      () => store.list(),
      () => store.tags('local', 'a', digestOf(1)),
      () => store.appendActions('local', 'a', digestOf(1), [action('x')]),
    ]) {
      const error = await call().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', transient: true });
      expect((error as Error).message).not.toContain('not-a-real-password');
    }
    down.disconnect();
  });
});
