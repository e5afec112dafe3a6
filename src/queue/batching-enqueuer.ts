import type { JobsOptions, Queue } from 'bullmq';

interface Pending<T> {
  jobs: Array<{ name: string; data: T; opts: JobsOptions }>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Webhook requests that arrive together share one Redis round trip: every job added during one
 * turn of the event loop goes to Redis in one `addBulk` (one pipeline), flushed by `setImmediate`,
 * so no request waits on a timer. Each caller still resolves only once its own jobs are stored:
 * a 202 always means the job is in Redis.
 */
export class BatchingEnqueuer<T> {
  readonly #queue: Pick<Queue<T>, 'addBulk'>;
  readonly #maxBatch: number;
  #pending: Array<Pending<T>> = [];
  #size = 0;
  #scheduled = false;

  constructor(queue: Pick<Queue<T>, 'addBulk'>, options: { maxBatch?: number } = {}) {
    this.#queue = queue;
    this.#maxBatch = options.maxBatch ?? 200;
  }

  add(jobs: Array<{ name: string; data: T; opts: JobsOptions }>): Promise<void> {
    if (jobs.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ jobs, resolve, reject });
      this.#size += jobs.length;
      if (this.#size >= this.#maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.#size = 0;
    // Job data types are checked at `add`; bullmq's addBulk signature is stricter than needed here.
    const all = batch.flatMap((p) => p.jobs) as Parameters<Queue<T>['addBulk']>[0];
    this.#queue.addBulk(all).then(
      () => batch.forEach((p) => p.resolve()),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  }
}
