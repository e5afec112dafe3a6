import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/store/audit-log.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import type { AuditEntry } from '../../../src/store/types.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

const digestOf = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

function entry(i: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
    type: 'verdict',
    registry: 'local',
    repository: i % 3 === 0 ? 'team/api' : 'team/web',
    digest: digestOf(i % 5),
    decision: 'reject',
    ref: `job-${i}`,
    detail: `entry ${i}`,
    ...overrides,
  };
}

describe('AuditLog', () => {
  failOnUnhandledErrors();
  let server: RedisServer;
  let redis: Redis;
  let n = 0;
  const prefix = (): string => `al${++n}`;

  beforeAll(async () => {
    server = await startRedis({ appendOnly: false });
    redis = createRedis(server.url, { name: 'audit-log-test' });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('appends entries and reads them back whole, newest first', async () => {
    const log = new AuditLog(redis, prefix());
    const full: AuditEntry = {
      time: '2025-01-01T00:00:00.000Z',
      type: 'action',
      registry: 'local',
      repository: 'team/app',
      digest: digestOf(1),
      tag: '1.0',
      decision: 'reject',
      action: 'delete',
      outcome: 'dry-run',
      detail: 'would delete 127.0.0.1:5000/team/app@sha256:… – «ünïcode»',
      ref: 'enforce:abc',
    };
    const id = await log.append({ ...full, id: 'ignored' });
    expect(id).toMatch(/^\d+-\d+$/);
    await log.append({
      time: '2025-01-01T00:00:01.000Z',
      type: 'event',
      registry: 'hub',
      repository: 'x/y',
      outcome: 'ignored',
    });
    const page = await log.list();
    expect(page.entries).toHaveLength(2);
    expect(page.entries[1]).toEqual({ ...full, id });
    expect(page.entries[0]).toEqual({
      id: expect.stringMatching(/^\d+-\d+$/),
      time: '2025-01-01T00:00:01.000Z',
      type: 'event',
      registry: 'hub',
      repository: 'x/y',
      outcome: 'ignored',
    });
    expect(page.next).toBeUndefined();
  });

  it('cuts overlong values instead of storing them whole', async () => {
    const log = new AuditLog(redis, prefix());
    await log.append(entry(1, { detail: 'x'.repeat(100_000) }));
    const [stored] = (await log.list()).entries;
    expect(stored.detail!.length).toBe(4096);
    expect(stored.detail!.endsWith('…')).toBe(true);
  });

  it('pages newest first with `before`, with no gaps or repeats', async () => {
    const log = new AuditLog(redis, prefix());
    for (let i = 0; i < 25; i++) await log.append(entry(i));
    const seen: AuditEntry[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await log.list({ limit: 7, before });
      seen.push(...result.entries);
      if (!result.next) break;
      expect(result.next).toBe(result.entries.at(-1)!.id);
      before = result.next;
    }
    expect(seen.map((e) => e.ref)).toEqual(Array.from({ length: 25 }, (_, i) => `job-${24 - i}`));
  });

  it('filters on the server by repository, digest, registry and type', async () => {
    const log = new AuditLog(redis, prefix());
    for (let i = 0; i < 30; i++)
      await log.append(entry(i, i === 29 ? { registry: 'hub', type: 'event' } : {}));
    const api = await log.list({ repository: 'team/api' });
    expect(api.entries.map((e) => e.ref)).toEqual(
      [27, 24, 21, 18, 15, 12, 9, 6, 3, 0].map((i) => `job-${i}`),
    );
    expect(api.next).toBeUndefined();

    const byDigest = await log.list({ digest: digestOf(2), repository: 'team/web', limit: 3 });
    expect(byDigest.entries.map((e) => e.ref)).toEqual(['job-22', 'job-17', 'job-7']);
    const rest = await log.list({
      digest: digestOf(2),
      repository: 'team/web',
      limit: 3,
      before: byDigest.next,
    });
    expect(rest.entries.map((e) => e.ref)).toEqual(['job-2']);

    expect((await log.list({ registry: 'hub' })).entries.map((e) => e.ref)).toEqual(['job-29']);
    expect((await log.list({ type: 'event' })).entries.map((e) => e.ref)).toEqual(['job-29']);
    expect((await log.list({ repository: 'nobody' })).entries).toEqual([]);
  });

  it('stops at the scan budget and hands back where it stopped', async () => {
    const log = new AuditLog(redis, prefix(), { scanBudget: 10 });
    for (let i = 0; i < 30; i++)
      await log.append(entry(i, { repository: i === 2 ? 'rare/one' : 'common/x' }));
    const first = await log.list({ repository: 'rare/one' });
    expect(first.entries).toEqual([]);
    expect(first.next).toBeDefined();
    let before = first.next;
    const found: AuditEntry[] = [];
    for (let round = 0; round < 5 && before; round++) {
      const page = await log.list({ repository: 'rare/one', before });
      found.push(...page.entries);
      before = page.next;
    }
    expect(found.map((e) => e.ref)).toEqual(['job-2']);
  });

  it('caps the limit at 1000 and trims the stream to about maxLength', async () => {
    const p = prefix();
    const log = new AuditLog(redis, p, { maxLength: 50 });
    const batch = [];
    for (let i = 0; i < 1200; i++) batch.push(log.append(entry(i)));
    await Promise.all(batch);
    const length = await redis.xlen(`${p}:audit`);
    // `MAXLEN ~` trims whole radix-tree nodes (100 entries each by default): about, not exactly, 50.
    expect(length).toBeGreaterThanOrEqual(50);
    expect(length).toBeLessThan(250);

    const big = new AuditLog(redis, prefix());
    const many = [];
    for (let i = 0; i < 1100; i++) many.push(big.append(entry(i)));
    await Promise.all(many);
    const page = await big.list({ limit: 5000 });
    expect(page.entries).toHaveLength(1000);
    expect(page.next).toBe(page.entries[999].id);
    expect((await big.list({ limit: 0 })).entries).toHaveLength(1);
  });

  it('refuses a malformed `before`', async () => {
    const log = new AuditLog(redis, prefix());
    for (const before of ['abc', '1-2-3', '(1-0', '+', '']) {
      await expect(log.list({ before })).rejects.toMatchObject({ code: 'CURSOR_INVALID' });
    }
  });
});
