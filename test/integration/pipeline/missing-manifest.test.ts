import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENFORCE_QUEUE } from '../../../src/queue/job-types.js';
import {
  startInProcess,
  startPushStack,
  waitForRecord,
  type InProcessService,
  type PushStack,
} from '../../support/pushgate-service.js';
import { waitFor } from '../../support/wait-for.js';

/** A manifest the registry never had. */
const GHOST = `sha256:${'0f'.repeat(32)}`;

/**
 * A manual scan of a manifest that does not exist: the record says why it could not be read, and
 * no action is planned for it — no report attached to, no tag on, nothing deleted from a manifest
 * that is not there (each would fail with a 404 that reads as pushgate's failure).
 */
describe('a scan of a manifest that does not exist', () => {
  let stack: PushStack;
  let service: InProcessService;
  let redis: Redis;
  let enforce: Queue;

  beforeAll(async () => {
    stack = await startPushStack({ enforcement: { attachReport: true } });
    service = await startInProcess('start', stack.cfg.path);
    redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
    enforce = new Queue(ENFORCE_QUEUE, { connection: redis, prefix: stack.cfg.prefix });
  }, 120_000);
  afterAll(async () => {
    await enforce?.close();
    redis?.disconnect();
    await service?.stop();
    await stack?.stop();
  });

  it('records why and queues no enforcement', async () => {
    const auth = { authorization: `Bearer ${stack.cfg.apiToken}` };
    const queued = await fetch(`${service.url}/api/v1/scans`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ reference: `${stack.registry.host}/prod/ghost@${GHOST}` }),
    });
    expect(queued.status).toBe(202);
    const { jobId } = (await queued.json()) as { jobId: string };
    let job: Record<string, unknown> = {};
    await waitFor(
      `scan job ${jobId} to fail`,
      async () => {
        job = (await (
          await fetch(`${service.url}/api/v1/scans/${jobId}`, { headers: auth })
        ).json()) as Record<string, unknown>;
        return job.state === 'failed';
      },
      60_000,
    );
    expect(String(job.failedReason)).toMatch(/HTTP 404/);

    const record = await waitForRecord(service.url, stack.cfg.apiToken, GHOST);
    expect(record).toMatchObject({ decision: 'error', repository: 'prod/ghost', actions: [] });
    expect((record.error as { code: string }).code).toBe('REGISTRY_NOT_FOUND');
    expect((record.reasons as string[])[0]).toMatch(
      /the manifest is not in the registry .*no action is taken/,
    );

    // The record is stored before enforcement would be queued: the job has failed, so any
    // enforcement job for it exists by now.
    const counts = await enforce.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed');
    expect(counts).toEqual({ wait: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    const audit = (await (
      await fetch(`${service.url}/api/v1/audit?digest=${GHOST}`, { headers: auth })
    ).json()) as {
      entries: Array<{ type: string; detail?: string }>;
    };
    expect(audit.entries.map((e) => e.type)).toEqual(['verdict']);
    expect(audit.entries[0].detail).toMatch(/not in the registry/);
  }, 120_000);
});
