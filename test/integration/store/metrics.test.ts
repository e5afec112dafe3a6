import { Queue } from 'bullmq';
import express from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type CreateMetricsOptions } from '../../../src/server/metrics.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import { SCAN_DURATION_BUCKETS, WorkerMetrics } from '../../../src/store/worker-metrics.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';
import { parseExposition } from './parse-exposition.js';

async function scrape(options: CreateMetricsOptions, before?: (m: ReturnType<typeof createMetrics>) => void) {
  const metrics = createMetrics(options);
  before?.(metrics);
  const app = express();
  app.get('/metrics', metrics.handler);
  const response = await request(app).get('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(response.text);
}

describe('worker metrics and /metrics', () => {
  failOnUnhandledErrors();
  let server: RedisServer;
  let redis: Redis;
  let bull: Redis;
  let queue: Queue;
  let n = 0;
  const prefix = (): string => `wm${++n}`;

  beforeAll(async () => {
    server = await startRedis({ appendOnly: false });
    redis = createRedis(server.url, { name: 'metrics-test' });
    bull = createRedis(server.url, { name: 'metrics-test-bull', forBullmq: true });
  });

  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    bull?.disconnect();
    await server?.stop();
  });

  it('records scans into cumulative buckets, sums and counters, and actions by kind and outcome', async () => {
    const metrics = new WorkerMetrics(redis, prefix());
    const durations = [50, 100, 101, 700, 1500, 59_000, 400_000];
    for (const [i, durationMs] of durations.entries()) {
      await metrics.recordScan({
        durationMs,
        bytesRead: 1000 * (i + 1),
        layersRead: 2,
        layersCached: i,
        decision: i % 2 ? 'reject' : 'pass',
      });
    }
    await metrics.recordScan({
      durationMs: 10,
      bytesRead: 0,
      layersRead: 0,
      layersCached: 0,
      decision: 'Bad Label!',
    });
    await metrics.recordAction('delete', 'done');
    await metrics.recordAction('delete', 'done');
    await metrics.recordAction('tag', 'dry-run');
    await metrics.recordAction('tag', 'x\ny');

    const snapshot = await metrics.snapshot();
    const le = (bound: number): number => snapshot.scanDuration.buckets.find((b) => b.le === bound)!.count;
    expect(snapshot.scanDuration.buckets.map((b) => b.le)).toEqual([...SCAN_DURATION_BUCKETS, Infinity]);
    expect(le(0.1)).toBe(3);
    expect(le(0.25)).toBe(4);
    expect(le(1)).toBe(5);
    expect(le(2)).toBe(6);
    expect(le(60)).toBe(7);
    expect(le(300)).toBe(7);
    expect(le(Infinity)).toBe(8);
    expect(snapshot.scanDuration.count).toBe(8);
    expect(snapshot.scanDuration.sumSeconds).toBeCloseTo(461.461, 6);
    expect(snapshot).toMatchObject({
      bytesRead: 28_000,
      layersRead: 14,
      layersCached: 21,
      verdicts: { pass: 4, reject: 3, other: 1 },
      actions: [
        { kind: 'delete', outcome: 'done', count: 2 },
        { kind: 'tag', outcome: 'dry-run', count: 1 },
        { kind: 'tag', outcome: 'other', count: 1 },
      ],
    });
  });

  it('gives an empty snapshot before anything was recorded', async () => {
    const snapshot = await new WorkerMetrics(redis, prefix()).snapshot();
    expect(snapshot).toMatchObject({ bytesRead: 0, verdicts: {}, actions: [] });
    expect(snapshot.scanDuration.count).toBe(0);
    expect(snapshot.scanDuration.buckets.every((b) => b.count === 0)).toBe(true);
  });

  it('serves valid exposition text with the Redis-backed series, job counts, events and process metrics', async () => {
    const p = prefix();
    const worker = new WorkerMetrics(redis, p);
    await worker.recordScan({
      durationMs: 800,
      bytesRead: 5_000_000,
      layersRead: 3,
      layersCached: 1,
      decision: 'reject',
    });
    await worker.recordScan({
      durationMs: 3000,
      bytesRead: 1,
      layersRead: 0,
      layersCached: 4,
      decision: 'pass',
    });
    await worker.recordAction('delete', 'done');
    await worker.recordAction('notify', 'failed');
    queue = new Queue('inspect', { connection: bull, prefix: p });
    await queue.add('inspect', { n: 1 });
    await queue.add('inspect', { n: 2 });

    const text = await scrape(
      {
        redis,
        prefix: p,
        queues: [queue, { name: 'enforce', getJobCounts: async () => ({ waiting: 0, failed: 7 }) }],
      },
      (m) => {
        m.countEvent('distribution', 'accepted', 3);
        m.countEvent('harbor', 'unauthorized');
        m.countEvent('harbor', 'ignored', 0);
        m.eventsTotal.inc({ source: 'generic', outcome: 'malformed' });
      },
    );

    expect(text.value('pushgate_redis_up')).toBe(1);
    expect(text.types.get('pushgate_scan_duration_seconds')).toBe('histogram');
    expect(text.value('pushgate_scan_duration_seconds_bucket', { le: '0.5' })).toBe(0);
    expect(text.value('pushgate_scan_duration_seconds_bucket', { le: '1' })).toBe(1);
    expect(text.value('pushgate_scan_duration_seconds_bucket', { le: '5' })).toBe(2);
    expect(text.value('pushgate_scan_duration_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(text.value('pushgate_scan_duration_seconds_sum')).toBeCloseTo(3.8, 6);
    expect(text.value('pushgate_scan_duration_seconds_count')).toBe(2);
    expect(text.types.get('pushgate_bytes_read_total')).toBe('counter');
    expect(text.value('pushgate_bytes_read_total')).toBe(5_000_001);
    expect(text.value('pushgate_layer_cache_hits_total')).toBe(5);
    expect(text.value('pushgate_layer_cache_misses_total')).toBe(3);
    expect(text.value('pushgate_verdicts_total', { decision: 'reject' })).toBe(1);
    expect(text.value('pushgate_verdicts_total', { decision: 'pass' })).toBe(1);
    expect(text.value('pushgate_action_outcomes_total', { action: 'delete', outcome: 'done' })).toBe(1);
    expect(text.value('pushgate_action_outcomes_total', { action: 'notify', outcome: 'failed' })).toBe(1);
    expect(text.value('pushgate_jobs', { queue: 'inspect', state: 'waiting' })).toBe(2);
    expect(text.value('pushgate_jobs', { queue: 'inspect', state: 'active' })).toBe(0);
    expect(text.value('pushgate_jobs', { queue: 'enforce', state: 'failed' })).toBe(7);
    expect(text.value('pushgate_webhook_events_total', { source: 'distribution', outcome: 'accepted' })).toBe(
      3,
    );
    expect(text.value('pushgate_webhook_events_total', { source: 'harbor', outcome: 'unauthorized' })).toBe(
      1,
    );
    expect(
      text.value('pushgate_webhook_events_total', { source: 'harbor', outcome: 'ignored' }),
    ).toBeUndefined();
    expect(text.value('pushgate_webhook_events_total', { source: 'generic', outcome: 'malformed' })).toBe(1);
    expect(text.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(text.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  });

  it('reads the counters fresh on every scrape', async () => {
    const p = prefix();
    const worker = new WorkerMetrics(redis, p);
    const metrics = createMetrics({ redis, prefix: p, queues: [], defaultMetrics: false });
    await worker.recordScan({
      durationMs: 1,
      bytesRead: 10,
      layersRead: 1,
      layersCached: 0,
      decision: 'pass',
    });
    expect(parseExposition(await metrics.registry.metrics()).value('pushgate_bytes_read_total')).toBe(10);
    await worker.recordScan({
      durationMs: 1,
      bytesRead: 5,
      layersRead: 1,
      layersCached: 0,
      decision: 'pass',
    });
    const second = parseExposition(await metrics.registry.metrics());
    expect(second.value('pushgate_bytes_read_total')).toBe(15);
    expect(second.value('pushgate_verdicts_total', { decision: 'pass' })).toBe(2);
  });

  it('leaves out a queue whose counts do not come in time, and still answers', async () => {
    const text = await scrape({
      redis,
      prefix: prefix(),
      redisTimeoutMs: 200,
      defaultMetrics: false,
      queues: [
        { name: 'stuck', getJobCounts: () => new Promise<Record<string, number>>(() => undefined) },
        { name: 'broken', getJobCounts: async () => Promise.reject(new Error('boom')) },
        { name: 'fine', getJobCounts: async () => ({ waiting: 1 }) },
      ],
    });
    expect(text.family('pushgate_jobs').map((s) => s.labels.queue)).toEqual(['fine']);
    expect(text.value('pushgate_redis_up')).toBe(1);
  });

  it('answers with pushgate_redis_up 0 and without the Redis-backed series when Redis is down', async () => {
    const lost = await startRedis({ appendOnly: false });
    const errors: string[] = [];
    const client = createRedis(lost.url, {
      name: 'metrics-lost',
      onError: (err) => errors.push(err.message),
    });
    const p = prefix();
    await new WorkerMetrics(client, p).recordScan({
      durationMs: 1,
      bytesRead: 1,
      layersRead: 1,
      layersCached: 1,
      decision: 'pass',
    });
    const healthy = await scrape({ redis: client, prefix: p, queues: [], defaultMetrics: false });
    expect(healthy.value('pushgate_bytes_read_total')).toBe(1);

    await lost.stop();
    await waitFor('the client to notice Redis is gone', async () => client.status !== 'ready');
    let called = 0;
    const text = await scrape(
      {
        redis: client,
        prefix: p,
        queues: [
          {
            name: 'inspect',
            getJobCounts: () => {
              called++;
              return new Promise<Record<string, number>>(() => undefined);
            },
          },
        ],
      },
      (m) => m.countEvent('distribution', 'accepted'),
    );
    expect(text.value('pushgate_redis_up')).toBe(0);
    for (const family of [
      'pushgate_scan_duration_seconds',
      'pushgate_bytes_read_total',
      'pushgate_layer_cache_hits_total',
      'pushgate_layer_cache_misses_total',
      'pushgate_verdicts_total',
      'pushgate_action_outcomes_total',
      'pushgate_jobs',
    ]) {
      expect(text.family(family)).toEqual([]);
    }
    expect(called).toBe(0);
    expect(text.value('pushgate_webhook_events_total', { source: 'distribution', outcome: 'accepted' })).toBe(
      1,
    );
    expect(text.types.get('process_resident_memory_bytes')).toBe('gauge');
    // Reconnect failures reach the caller's hook, not an unhandled 'error' event.
    await waitFor('a reconnect error to be reported', async () => errors.length > 0);
    expect(errors.join('\n')).toContain('ECONNREFUSED');
    client.disconnect();
  });
});
