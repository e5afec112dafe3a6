import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/store/audit-log.js';
import { BreakGlassStore, MAX_BREAK_GLASS_MS } from '../../../src/store/break-glass.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

const HOUR = 3_600_000;

describe('BreakGlassStore', () => {
  failOnUnhandledErrors();
  let server: RedisServer;
  let redis: Redis;
  let n = 0;
  const stores = (): { store: BreakGlassStore; audit: AuditLog; prefix: string } => {
    const prefix = `bg${++n}`;
    const audit = new AuditLog(redis, prefix);
    return { store: new BreakGlassStore(redis, prefix, audit), audit, prefix };
  };

  beforeAll(async () => {
    server = await startRedis({ appendOnly: false });
    redis = createRedis(server.url, { name: 'break-glass-test' });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('grants, lists and revokes, each change with its audit entry', async () => {
    const { store, audit, prefix } = stores();
    const before = Date.now();
    const granted = await store.grant({
      namespace: 'team-a',
      durationMs: 2 * HOUR,
      reason: ' pushgate denies a good image (INC-42) ',
      by: 'alice',
    });
    expect(granted).toMatchObject({
      namespace: 'team-a',
      reason: 'pushgate denies a good image (INC-42)',
      by: 'alice',
    });
    expect(Date.parse(granted.until) - Date.parse(granted.grantedAt)).toBe(2 * HOUR);
    expect(Date.parse(granted.grantedAt)).toBeGreaterThanOrEqual(before);
    // The key ends the exemption by itself.
    const ttl = await redis.pttl(`${prefix}:break-glass:team-a`);
    expect(ttl).toBeGreaterThan(2 * HOUR - 60_000);
    expect(ttl).toBeLessThanOrEqual(2 * HOUR);

    await store.grant({ namespace: 'shop', durationMs: HOUR, reason: 'release night', by: 'bob' });
    expect((await store.list()).map((e) => e.namespace)).toEqual(['shop', 'team-a']);

    expect(await store.revoke('team-a', 'carol')).toEqual(granted);
    expect((await store.list()).map((e) => e.namespace)).toEqual(['shop']);
    expect(await store.revoke('team-a', 'carol')).toBeUndefined();

    const { entries } = await audit.list({ type: 'break-glass' });
    // Newest first; the revocation that found nothing wrote nothing.
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({
      type: 'break-glass',
      outcome: 'revoked',
      namespace: 'team-a',
      by: 'carol',
      until: granted.until,
      detail: 'granted by alice: pushgate denies a good image (INC-42)',
    });
    expect(entries[1]).toMatchObject({
      outcome: 'granted',
      namespace: 'shop',
      by: 'bob',
      detail: 'release night',
    });
    expect(entries[2]).toMatchObject({
      outcome: 'granted',
      namespace: 'team-a',
      by: 'alice',
      until: granted.until,
      time: granted.grantedAt,
      detail: 'pushgate denies a good image (INC-42)',
    });
  });

  it('a grant again replaces the exemption (and is audited again)', async () => {
    const { store, audit } = stores();
    await store.grant({ namespace: 'team-a', durationMs: HOUR, reason: 'first', by: 'alice' });
    const second = await store.grant({
      namespace: 'team-a',
      durationMs: 3 * HOUR,
      reason: 'longer',
      by: 'bob',
    });
    expect(await store.list()).toEqual([second]);
    expect((await audit.list({ type: 'break-glass' })).entries).toHaveLength(2);
  });

  it('an exemption ends by itself when its time is up', async () => {
    const { store, prefix } = stores();
    await store.grant({ namespace: 'brief', durationMs: 1000, reason: 'a second only', by: 'alice' });
    await store.grant({ namespace: 'stays', durationMs: HOUR, reason: 'an hour', by: 'alice' });
    expect((await store.list()).map((e) => e.namespace)).toEqual(['brief', 'stays']);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await store.list()).map((e) => e.namespace)).toEqual(['stays']);
    expect(await redis.exists(`${prefix}:break-glass:brief`)).toBe(0);
    // Nothing to revoke once it lapsed.
    expect(await store.revoke('brief', 'alice')).toBeUndefined();
  });

  it('refuses what is not a namespace, longer than a day, or without a reason or a name', async () => {
    const { store, audit } = stores();
    const good = { namespace: 'team-a', durationMs: HOUR, reason: 'why', by: 'alice' };
    for (const bad of [
      { ...good, namespace: 'Team_A' },
      { ...good, namespace: '-a' },
      { ...good, namespace: 'a'.repeat(64) },
      { ...good, durationMs: MAX_BREAK_GLASS_MS + 1 },
      { ...good, durationMs: 0 },
      { ...good, reason: '   ' },
      { ...good, reason: 'x'.repeat(501) },
      { ...good, by: '' },
    ]) {
      await expect(store.grant(bad), JSON.stringify(bad).slice(0, 80)).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
    await expect(store.revoke('../x', 'alice')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(store.revoke('team-a', ' ')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await store.list()).toEqual([]);
    expect((await audit.list({ type: 'break-glass' })).entries).toEqual([]);
    // A day exactly is allowed.
    await store.grant({ ...good, durationMs: MAX_BREAK_GLASS_MS });
  });

  it('Redis down: a typed STORE_UNAVAILABLE, not a hang', async () => {
    const down = createRedis(`redis://127.0.0.1:${server.port}`, {
      name: 'break-glass-down',
      maxRetriesPerRequest: 1,
    });
    const store = new BreakGlassStore(down, 'bg-down', new AuditLog(down, 'bg-down'));
    await down.ping();
    await server.restart(async () => {
      await expect(store.list()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(
        store.grant({ namespace: 'team-a', durationMs: HOUR, reason: 'why', by: 'alice' }),
      ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    });
    down.disconnect();
  });
});
