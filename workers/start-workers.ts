import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
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
   * Stops taking jobs and waits for the running ones up to `graceMs` (`workers.shutdownGraceMs`);
   * jobs still running then are stopped without a result and left to BullMQ's stalled-job recovery
   * (their lock lapses and a worker runs them again).
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
    async close(graceMs = config.workers.shutdownGraceMs) {
      await reevaluation.stop();
      const graceful = Promise.all([inspect.close(), enforce.close()]).catch((e: unknown) =>
        logger.warn(errorFields(e), 'closing the workers'),
      );
      if (!(await settlesWithin(graceful, graceMs))) {
        logger.warn(
          { graceMs },
          'jobs still running after the grace period: stopping them and handing them back (their lock lapses and a worker runs them again)',
        );
        // BullMQ ignores close(true) once close() has begun, so the jobs are let go here. Redis first:
        // a job stopped after that can record nothing (no failure, no attempt spent) and its lock
        // lapses; then the sandboxes, which is what stops a scan.
        await endConnection(connection);
        await Promise.all([stopSandboxes(inspect, logger), stopSandboxes(enforce, logger)]);
        if (!(await settlesWithin(graceful, HAND_BACK_MS)))
          logger.warn(
            { waitedMs: HAND_BACK_MS },
            'the workers did not close after handing their jobs back: leaving them',
          );
      }
      await ctx.close();
      connection.disconnect();
      resolved.remove();
    },
  };
}

/** How long the workers may take to close once their jobs have been handed back. */
const HAND_BACK_MS = 5000;

/** True when `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(() => true);
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Disconnects `client` and waits (a second at most) until it has ended: nothing it sends after is written. */
async function endConnection(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  client.disconnect();
  await settlesWithin(ended, 1000);
}

/** The part of BullMQ's private pool of sandboxes (child processes or threads) used here. */
interface SandboxPool {
  retained: Record<string, unknown>;
  getAllFree(): unknown[];
  kill(child: unknown, signal: 'SIGKILL'): Promise<void>;
}

/**
 * Kills a sandboxed worker's child processes (or threads): that is what stops their scans. BullMQ
 * offers no way to: its own cleanup sends SIGTERM, on which a sandbox finishes its job first, and
 * only after 30 s kills it.
 */
async function stopSandboxes(worker: Worker, logger: Logger): Promise<void> {
  const pool = (worker as unknown as { childPool?: Partial<SandboxPool> }).childPool;
  if (!pool) return; // not sandboxed
  const { retained, getAllFree, kill } = pool;
  if (typeof retained !== 'object' || typeof getAllFree !== 'function' || typeof kill !== 'function') {
    logger.error({ queue: worker.name }, "cannot stop the sandboxes: BullMQ's child pool is not as expected");
    return;
  }
  const children = [...Object.values(retained), ...getAllFree.call(pool)];
  await Promise.all(children.map((child) => kill.call(pool, child, 'SIGKILL')));
}
