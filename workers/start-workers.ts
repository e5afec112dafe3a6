import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { PushgateConfig } from '../src/config/types.js';
import { errorFields, logRedisErrors, type Logger } from '../src/logger.js';
import { processorPath } from '../src/queue/processor-path.js';
import { sandboxOptions } from './sandbox-options.js';
import {
  ENFORCE_QUEUE,
  INSPECT_QUEUE,
  type EnforceJobData,
  type InspectJobData,
  type InspectJobResult,
} from '../src/queue/job-types.js';
import { createRedis } from '../src/store/redis-connection.js';
import { createEnforceProcessor } from './enforce-verdict.js';
import { RESOLVED_CONFIG_ENV, writeResolvedConfig } from './worker-config.js';
import { createWorkerContext } from './worker-context.js';
import { startBackgroundReevaluation } from '../src/pipeline/reevaluate-images.js';
import { redisTarget } from '../src/store/redis-target.js';

export interface RunningWorkers {
  inspect: Worker<InspectJobData, InspectJobResult>;
  enforce: Worker<EnforceJobData>;
  /**
   * Stops taking jobs and waits for the running ones up to `graceMs`; jobs still running then are
   * left to BullMQ's stalled-job recovery (their lock lapses and another worker takes them).
   */
  close(graceMs?: number): Promise<void>;
}

export async function startWorkers(config: PushgateConfig, logger: Logger): Promise<RunningWorkers> {
  const target = redisTarget(config.redis);
  const ctx = await createWorkerContext(config, {
    component: 'enforce',
    logger: logger.child({ queue: ENFORCE_QUEUE }),
  });
  const connection = createRedis(target, {
    name: 'worker',
    forBullmq: true,
    onError: logRedisErrors(logger),
  });
  const common = {
    connection,
    prefix: config.redis.prefix,
    lockDuration: config.workers.lockDurationMs,
    stalledInterval: config.workers.stalledIntervalMs,
    // A job whose worker died twice is failed rather than retried forever.
    maxStalledCount: 2,
    // Stored on each job as `processedBy`: which pod (and process) ran it, in bull-board and the
    // scale-out bench's exactly-once check.
    name: `${hostname()}/${process.pid}`,
  };
  const resolved = writeResolvedConfig(config);
  const env = { ...process.env, [RESOLVED_CONFIG_ENV]: resolved.path };
  const inspect = new Worker<InspectJobData, InspectJobResult>(
    INSPECT_QUEUE,
    processorPath('inspect-image'),
    {
      ...common,
      concurrency: config.workers.inspectConcurrency,
      ...sandboxOptions(config.workers.sandbox, env),
    },
  );
  const enforce = new Worker<EnforceJobData>(ENFORCE_QUEUE, createEnforceProcessor(ctx), {
    ...common,
    concurrency: config.workers.enforceConcurrency,
  });
  for (const worker of [inspect, enforce] as Worker[]) {
    const log = logger.child({ queue: worker.name });
    worker.on('error', (error) => log.error(errorFields(error), 'worker error'));
    worker.on('failed', (job, error) =>
      log.warn({ jobId: job?.id, attempt: job?.attemptsMade, ...errorFields(error) }, 'job failed'),
    );
    worker.on('completed', (job) => log.debug({ jobId: job.id, result: job.returnvalue }, 'job completed'));
    worker.on('stalled', (jobId) =>
      log.warn({ jobId }, 'job stalled: its worker stopped renewing the lock; it runs again'),
    );
  }
  // A new policy set: every stored verdict is judged again from its facts, in the background.
  const reevaluation = startBackgroundReevaluation({
    ...ctx,
    logger: logger.child({ component: 'reevaluation' }),
    marker: ctx.reevaluationMarker,
  });
  logger.info(
    {
      inspectConcurrency: config.workers.inspectConcurrency,
      enforceConcurrency: config.workers.enforceConcurrency,
      sandbox: config.workers.sandbox,
    },
    'workers started',
  );
  return {
    inspect,
    enforce,
    async close(graceMs = 30_000) {
      await reevaluation.stop();
      const graceful = Promise.all([inspect.close(), enforce.close()]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        logger.warn({ graceMs }, 'jobs still running after the grace period: handing them back');
        await Promise.all([inspect.close(true), enforce.close(true)]);
      }
      await ctx.close();
      connection.disconnect();
      resolved.remove();
    },
  };
}
