import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushgateConfig } from '../../../src/config/types.js';
import { PushgateError } from '../../../src/errors.js';
import { acquireInspection } from '../../../src/pipeline/inspection-lock.js';
import type { PolicySet } from '../../../src/pipeline/load-policy-set.js';
import type { InspectJobData } from '../../../src/queue/job-types.js';
import { InspectionLock } from '../../../src/store/inspection-lock.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import { VerdictStore } from '../../../src/store/verdict-store.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const DATA: InspectJobData = {
  registry: 'local',
  repository: 'team/app',
  digest: DIGEST,
  tag: 'v1',
  source: 'api',
  receivedAt: new Date(0).toISOString(),
};
const SUBJECT = `local/team/app@${DIGEST}`;

describe('acquireInspection', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis({ appendOnly: false });
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('lets the lock go when Redis fails right after it was taken (a failover), so the retry can take it', async () => {
    const client = createRedis(redis.url, { name: 'lock-test' });
    try {
      const prefix = 'pg-lock';
      const lock = new InspectionLock(client, prefix);
      const real = new VerdictStore(client, prefix);
      let reads = 0;
      // The verdict store as Redis serves it, failing its second read: the check after the lock.
      const store = {
        get: async (...args: Parameters<VerdictStore['get']>) => {
          if (++reads === 2)
            throw new PushgateError(
              'STORE_UNAVAILABLE',
              'read verdict: Reached the max retries per request limit',
            );
          return real.get(...args);
        },
      } as unknown as VerdictStore;
      const ctx = {
        config: { limits: { scanTimeoutMs: 1000 }, workers: { lockDurationMs: 600 } } as PushgateConfig,
        lock,
        store,
        policySet: { version: 'v1' } as PolicySet,
      };
      await expect(acquireInspection(ctx, SUBJECT, DATA, DIGEST)).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      // Past the lease: a lock still renewed by the failed attempt would be held now.
      await new Promise((resolve) => setTimeout(resolve, 900));
      const retry = await Promise.race([
        acquireInspection(ctx, SUBJECT, DATA, DIGEST),
        new Promise<string>((resolve) =>
          setTimeout(() => resolve('still waiting for the lock after 3 s'), 3000),
        ),
      ]);
      expect(retry).toHaveProperty('release');
      if (typeof retry === 'object' && 'release' in retry) await retry.release();
    } finally {
      client.disconnect();
    }
  });
});
