import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WorkersConfig } from '../config/types.js';
import { ENFORCE_QUEUE, INSPECT_QUEUE, type EnforceJobData, type InspectJobData } from './job-types.js';

export interface Queues {
  inspect: Queue<InspectJobData>;
  enforce: Queue<EnforceJobData>;
  close(): Promise<void>;
}

const DAY_SECONDS = 24 * 60 * 60;

export function jobOptions(workers: WorkersConfig): DefaultJobOptions {
  return {
    attempts: workers.attempts,
    backoff: { type: 'exponential', delay: workers.backoffMs },
    // Completed jobs are kept a week so a repeated event for the same digest stays deduplicated.
    removeOnComplete: { age: 7 * DAY_SECONDS, count: 50_000 },
    removeOnFail: { age: 30 * DAY_SECONDS, count: 50_000 },
  };
}

/** Both queues on one shared connection (BullMQ duplicates it where it must block). */
export function createQueues(
  connection: Redis,
  prefix: string,
  workers: WorkersConfig,
  onError: (error: Error) => void,
): Queues {
  const defaultJobOptions = jobOptions(workers);
  const inspect = new Queue<InspectJobData>(INSPECT_QUEUE, { connection, prefix, defaultJobOptions });
  const enforce = new Queue<EnforceJobData>(ENFORCE_QUEUE, { connection, prefix, defaultJobOptions });
  // Without listeners a lost connection is printed raw to stderr; the service logs it instead.
  inspect.on('error', onError);
  enforce.on('error', onError);
  return {
    inspect,
    enforce,
    async close() {
      await Promise.all([inspect.close(), enforce.close()]);
    },
  };
}
