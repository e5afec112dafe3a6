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
   * Stops taking jobs and waits for the running ones up to `graceMs` (`workers.shutdownGraceMs`,
   * else `limits.scanTimeoutMs`: as long as one scan may take). Inspections still running then are
   * stopped without a result and left to BullMQ's stalled-job recovery (their lock lapses and a
   * worker runs them again); enforcement jobs get a few seconds more, then are stopped too.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startWorkers(config: PushgateConfig, logger: Logger): Promise<RunningWorkers> {
  const target = redisTarget(config.redis);
  const ctx = await createWorkerContext(config, {
    component: 'enforce',
    logger: logger.child({ queue: ENFORCE_QUEUE }),
  });
  // One connection per queue: a stop that hands inspections back ends theirs, while enforcement
  // jobs still record what they did on their own.
  const connect = (name: string): Redis =>
    createRedis(target, { name, forBullmq: true, onError: logRedisErrors(logger) });
  const inspectConnection = connect('inspect-worker');
  const enforceConnection = connect('enforce-worker');
  const common = {
    prefix: config.redis.prefix,
    lockDuration: config.workers.lockDurationMs,
    stalledInterval: config.workers.stalledIntervalMs,
    // A job whose worker died (or handed it back on a stop) a third time is failed rather than
    // retried forever.
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
      connection: inspectConnection,
      concurrency: config.workers.inspectConcurrency,
      ...sandboxOptions(config.workers.sandbox, env),
    },
  );
  const enforce = new Worker<EnforceJobData>(ENFORCE_QUEUE, createEnforceProcessor(ctx), {
    ...common,
    connection: enforceConnection,
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
    async close(graceMs = config.workers.shutdownGraceMs ?? config.limits.scanTimeoutMs) {
      const deadline = Date.now() + graceMs;
      const closing = (worker: Worker): Promise<void> =>
        worker
          .close()
          .catch((e: unknown) => logger.warn(errorFields(e), `closing the ${worker.name} worker`));
      const inspectClosed = closing(inspect);
      const enforceClosed = closing(enforce);
      const bothClosed = Promise.all([inspectClosed, enforceClosed]);
      logger.info(
        { graceMs },
        'stopping the workers: running jobs may finish first (a second SIGTERM or Ctrl-C stops at once)',
      );
      await reevaluation.stop();
      let contextClosed: Promise<unknown> | undefined;
      // Once, and bounded: the registry clients wait for requests still in flight.
      const closeContext = async (): Promise<void> => {
        if (contextClosed) return;
        contextClosed = ctx.close().catch((e: unknown) => logger.warn(errorFields(e), 'closing the workers'));
        await settlesWithin(contextClosed, HAND_BACK_MS);
      };
      if (!(await settlesWithin(inspectClosed, deadline - Date.now()))) {
        logger.warn(
          { graceMs },
          'the inspect worker did not stop within the grace period: stopping its inspections and handing them back (their lock lapses and a worker runs them again)',
        );
        // BullMQ ignores close(true) once close() has begun, so the jobs are let go here. Redis first:
        // a job stopped after that can record no failure and spends no attempt; then the sandboxes,
        // which is what stops a scan.
        await endConnection(inspectConnection);
        await settlesWithin(stopSandboxes(inspect, logger), HAND_BACK_MS);
      }
      // Enforcement jobs are registry calls with time limits: they get a little longer, as once
      // stopped their actions may be taken again.
      if (!(await settlesWithin(enforceClosed, deadline + HAND_BACK_MS - Date.now()))) {
        logger.warn(
          { graceMs },
          'enforcement still running after the grace period: stopping it; when it runs again, actions it took but could not record are taken again',
        );
        await endConnection(enforceConnection);
        await closeContext();
      }
      if (!(await settlesWithin(bothClosed, HAND_BACK_MS))) {
        // A sandbox that was still starting joined the pool after it was emptied.
        await settlesWithin(stopSandboxes(inspect, logger), HAND_BACK_MS);
        if (!(await settlesWithin(bothClosed, 1000)))
          logger.warn('the workers did not close after handing their jobs back: leaving them');
      }
      await closeContext();
      inspectConnection.disconnect();
      enforceConnection.disconnect();
      resolved.remove();
    },
  };
}

/** How long the workers may take to close once their jobs have been handed back. */
const HAND_BACK_MS = 5000;

/** True when `promise` settles (either way: the callers log their own failures) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  // setTimeout fires at once past 2^31 - 1 ms (limits.scanTimeoutMs has no upper bound).
  const wait = Math.min(Math.max(ms, 0), 2 ** 31 - 1);
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), wait)));
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
  await Promise.all(children.map((child) => kill.call(pool, child, 'SIGKILL'))).catch((e: unknown) =>
    logger.error({ queue: worker.name, ...errorFields(e) }, 'stopping the sandboxes'),
  );
}
