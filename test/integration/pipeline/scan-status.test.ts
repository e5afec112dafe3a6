import { randomBytes } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRouter, type ApiDeps } from '../../../src/server/routes/api.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

/**
 * GET /api/v1/scans/:jobId while the job finishes: never `completed` without its result (a client
 * polls for the state, then reads the result). The job is completed right after the route's first
 * read of Redis.
 */
describe('GET /api/v1/scans/:jobId as the job completes', () => {
  let redis: RedisServer;
  let connection: Redis;
  let queue: Queue;
  let worker: Worker;

  beforeAll(async () => {
    redis = await startRedis({ appendOnly: false });
    connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const prefix = `scan-status-${randomBytes(4).toString('hex')}`;
    queue = new Queue('inspect', { connection, prefix });
    // Jobs are taken by hand (no processor), so the test decides when one completes.
    worker = new Worker('inspect', null, { connection, prefix });
  });

  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    connection?.disconnect();
    await redis?.stop();
  });

  it('never answers completed without the result when the job completes between its reads', async () => {
    const id = `inspect-${randomBytes(20).toString('hex')}`;
    await queue.add('inspect', { repository: 'prod/app' }, { jobId: id });
    const token = 'test-token';
    const active = (await worker.getNextJob(token)) as Job;
    expect(active.id).toBe(id);
    const result = { outcome: 'inspected', decision: 'pass' };

    // The route's queue: whichever read of this job comes second sees it completed.
    let reads = 0;
    const completeAfterFirstRead = async <T>(read: Promise<T>): Promise<T> => {
      const value = await read;
      if (++reads === 1) await active.moveToCompleted(result, token, false);
      return value;
    };
    const racing = {
      getJob: (jobId: string) => completeAfterFirstRead(queue.getJob(jobId)),
      getJobState: (jobId: string) => completeAfterFirstRead(queue.getJobState(jobId)),
    };
    const deps = {
      queueReady: () => true,
      queues: { inspect: racing },
    } as unknown as ApiDeps;
    const app = express().use('/api/v1', apiRouter(deps));

    const first = await request(app).get(`/api/v1/scans/${id}`);
    expect(first.status, first.text).toBe(200);
    expect(reads).toBeGreaterThan(0);
    // The job read may be newer than the state (a result while still `active`), never older.
    const snapshot = { state: first.body.state as string, result: first.body.result as unknown };
    expect([
      { state: 'active', result: null },
      { state: 'active', result },
      { state: 'completed', result },
    ]).toContainEqual(snapshot);

    const second = await request(app).get(`/api/v1/scans/${id}`);
    expect(second.body).toMatchObject({ state: 'completed', result });
  });
});
