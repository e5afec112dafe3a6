import type { Redis } from 'ioredis';
import { storeError } from './store-error.js';

/** Upper bounds (seconds) of the scan duration histogram; `+Inf` is implied. */
export const SCAN_DURATION_BUCKETS: readonly number[] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export interface ScanSample {
  durationMs: number;
  /** Compressed layer bytes downloaded. */
  bytesRead: number;
  layersRead: number;
  layersCached: number;
  /** The image's decision (`pass`, `reject`, `tag`, `warn`, `error`). */
  decision: string;
}

export interface WorkerMetricsSnapshot {
  scanDuration: {
    /** Cumulative counts by upper bound, ascending, ending with `Infinity` (= `count`). */
    buckets: Array<{ le: number; count: number }>;
    sumSeconds: number;
    count: number;
  };
  bytesRead: number;
  layersRead: number;
  layersCached: number;
  verdicts: Record<string, number>;
  actions: Array<{ kind: string; outcome: string; count: number }>;
}

/** Label values become hash field names: anything unexpected is folded into `other`. */
function label(value: string): string {
  return /^[a-z][a-z0-9_-]{0,31}$/.test(value) ? value : 'other';
}

const count = (value: unknown): number => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : 0;
};

const nonNegativeInt = (value: number): number =>
  Number.isFinite(value) && value > 0 ? Math.round(value) : 0;

/**
 * Worker-side counters in one Redis hash (`<prefix>:metrics:worker`), so every worker process on
 * every host adds to the same totals and `/metrics` reads them at scrape time. Each record call is
 * one MULTI of HINCRBYs; the duration sum is kept in whole milliseconds so it stays exact.
 */
export class WorkerMetrics {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:metrics:worker`;
  }

  async recordScan(sample: ScanSample): Promise<void> {
    const ms = nonNegativeInt(sample.durationMs);
    const tx = this.#redis.multi();
    for (const le of SCAN_DURATION_BUCKETS)
      if (ms <= le * 1000) tx.hincrby(this.#key, `scan_bucket:${le}`, 1);
    tx.hincrby(this.#key, 'scan_sum_ms', ms);
    tx.hincrby(this.#key, 'scan_count', 1);
    tx.hincrby(this.#key, 'bytes_read', nonNegativeInt(sample.bytesRead));
    tx.hincrby(this.#key, 'layers_read', nonNegativeInt(sample.layersRead));
    tx.hincrby(this.#key, 'layers_cached', nonNegativeInt(sample.layersCached));
    tx.hincrby(this.#key, `verdict:${label(sample.decision)}`, 1);
    await this.#exec(tx, 'record scan metrics');
  }

  async recordAction(kind: string, outcome: string): Promise<void> {
    const tx = this.#redis.multi().hincrby(this.#key, `action:${label(kind)}:${label(outcome)}`, 1);
    await this.#exec(tx, 'record action metrics');
  }

  async snapshot(): Promise<WorkerMetricsSnapshot> {
    let fields: Record<string, string>;
    try {
      fields = await this.#redis.hgetall(this.#key);
    } catch (err) {
      throw storeError('read worker metrics', err);
    }
    const verdicts: Record<string, number> = {};
    const actions: WorkerMetricsSnapshot['actions'] = [];
    for (const [field, value] of Object.entries(fields)) {
      const [kind, a, b] = field.split(':');
      if (kind === 'verdict' && a !== undefined) verdicts[a] = count(value);
      else if (kind === 'action' && a !== undefined && b !== undefined)
        actions.push({ kind: a, outcome: b, count: count(value) });
    }
    actions.sort((x, y) => x.kind.localeCompare(y.kind) || x.outcome.localeCompare(y.outcome));
    const total = count(fields.scan_count);
    return {
      scanDuration: {
        buckets: [
          ...SCAN_DURATION_BUCKETS.map((le) => ({ le, count: count(fields[`scan_bucket:${le}`]) })),
          { le: Infinity, count: total },
        ],
        sumSeconds: count(fields.scan_sum_ms) / 1000,
        count: total,
      },
      bytesRead: count(fields.bytes_read),
      layersRead: count(fields.layers_read),
      layersCached: count(fields.layers_cached),
      verdicts,
      actions,
    };
  }

  async #exec(tx: { exec(): Promise<[Error | null, unknown][] | null> }, context: string): Promise<void> {
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await tx.exec();
    } catch (err) {
      throw storeError(context, err);
    }
    const failed = replies?.find(([error]) => error !== null);
    if (failed?.[0]) throw storeError(context, failed[0]);
  }
}
