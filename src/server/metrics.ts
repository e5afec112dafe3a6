import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SCAN_DURATION_BUCKETS, WorkerMetrics, type WorkerMetricsSnapshot } from '../store/worker-metrics.js';

export interface MetricsQueue {
  name: string;
  getJobCounts(): Promise<Record<string, number>>;
}

export interface CreateMetricsOptions {
  redis: Redis;
  prefix: string;
  queues: MetricsQueue[];
  /** How long a scrape waits for Redis before it reports `pushgate_redis_up 0` (2 s by default). */
  redisTimeoutMs?: number;
  /** prom-client's process and Node.js metrics (on by default). */
  defaultMetrics?: boolean;
  /** Workloads admitted with a digest whose verdict now rejects, counted at scrape time. */
  admittedRejected?: () => Promise<number>;
}

export interface Metrics {
  registry: Registry;
  eventsTotal: Counter<'source' | 'outcome'>;
  /** Counts webhook events the route accepted, ignored or refused. */
  countEvent(source: string, outcome: string, count?: number): void;
  /** `GET /metrics`: Prometheus text format; never fails a scrape for a Redis outage. */
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

type Snapshot = WorkerMetricsSnapshot | undefined;

/** Settles with `promise`, or rejects after `ms`; a late rejection of `promise` is swallowed. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A counter whose samples come from the worker metrics snapshot in Redis at scrape time. prom-client
 * counters cannot be set, and a reset unlabelled counter would still print `0`: overriding `get`
 * lets a Redis outage drop the series instead of reporting a false zero.
 */
type CounterSamples<T extends string> = Awaited<ReturnType<Counter<T>['get']>>['values'];

class SnapshotCounter<T extends string> extends Counter<T> {
  readonly #samples: (snapshot: WorkerMetricsSnapshot) => CounterSamples<T>;
  readonly #load: () => Promise<Snapshot>;

  constructor(
    config: { name: string; help: string; labelNames?: readonly T[]; registers: Registry[] },
    load: () => Promise<Snapshot>,
    samples: (snapshot: WorkerMetricsSnapshot) => CounterSamples<T>,
  ) {
    super(config);
    this.#load = load;
    this.#samples = samples;
  }

  override async get(): ReturnType<Counter<T>['get']> {
    const loading = this.#load();
    const base = await super.get();
    const snapshot = await loading;
    return { ...base, values: snapshot ? this.#samples(snapshot) : [] };
  }
}

/**
 * A gauge computed at scrape time from Redis (a count over stored state, not an in-process
 * value); when Redis does not answer, the series is left out rather than reported as 0.
 */
class ScrapedGauge extends Gauge<string> {
  readonly #read: () => Promise<number | undefined>;

  constructor(
    config: { name: string; help: string; registers: Registry[] },
    read: () => Promise<number | undefined>,
  ) {
    super(config);
    this.#read = read;
  }

  override async get(): ReturnType<Gauge<string>['get']> {
    const value = await this.#read();
    const base = await super.get();
    return { ...base, values: value === undefined ? [] : [{ labels: {}, value }] };
  }
}

/**
 * The scan duration histogram, its cumulative buckets read from Redis at scrape time. The registry
 * formats histograms from `getForPromString` (and `get` builds on it), so that is what is replaced.
 */
class SnapshotHistogram extends Histogram<string> {
  readonly #load: () => Promise<Snapshot>;
  readonly #name: string;
  readonly #help: string;

  constructor(config: { name: string; help: string; registers: Registry[] }, load: () => Promise<Snapshot>) {
    super({ ...config, buckets: [...SCAN_DURATION_BUCKETS] });
    this.#load = load;
    this.#name = config.name;
    this.#help = config.help;
  }

  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Array<{
      metricName: string;
      labels: Record<string, string>;
      sharedLabels: object;
      value: number;
    }>;
  }> {
    const snapshot = await this.#load();
    const name = this.#name;
    const values = !snapshot
      ? []
      : [
          ...snapshot.scanDuration.buckets.map((bucket) => ({
            metricName: `${name}_bucket`,
            labels: { le: bucket.le === Infinity ? '+Inf' : String(bucket.le) },
            sharedLabels: {},
            value: bucket.count,
          })),
          {
            metricName: `${name}_sum`,
            labels: {},
            sharedLabels: {},
            value: snapshot.scanDuration.sumSeconds,
          },
          { metricName: `${name}_count`, labels: {}, sharedLabels: {}, value: snapshot.scanDuration.count },
        ];
    return { name, help: this.#help, type: 'histogram', aggregator: 'sum', values };
  }
}

/**
 * The `/metrics` registry. In-process series (webhook events, job counts, process metrics) live
 * here; worker-side series (scans, verdicts, actions, cache) are read from the Redis hash every
 * worker adds to (WorkerMetrics), once per scrape. With Redis down the scrape still answers:
 * `pushgate_redis_up 0`, and the Redis-backed series and job counts are left out.
 */
export function createMetrics(options: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const timeoutMs = options.redisTimeoutMs ?? 2000;
  const workerMetrics = new WorkerMetrics(options.redis, options.prefix);
  const redisReady = (): boolean => options.redis.status === 'ready';

  // Every Redis-backed series calls this during one scrape; they share one HGETALL.
  let inFlight: Promise<Snapshot> | undefined;
  const load = (): Promise<Snapshot> => {
    if (inFlight) return inFlight;
    const attempt = redisReady()
      ? withTimeout(workerMetrics.snapshot(), timeoutMs, 'reading worker metrics').catch(() => undefined)
      : Promise.resolve(undefined);
    inFlight = attempt.finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const eventsTotal = new Counter({
    name: 'pushgate_webhook_events_total',
    help: 'Webhook events received, by sender adapter and outcome (accepted, ignored, unauthorized, malformed, ...).',
    labelNames: ['source', 'outcome'] as const,
    registers,
  });

  new Gauge({
    name: 'pushgate_redis_up',
    help: 'Whether Redis answered during this scrape (1) or not (0).',
    registers,
    async collect() {
      this.set((await load()) ? 1 : 0);
    },
  });

  new Gauge({
    name: 'pushgate_jobs',
    help: 'Jobs by queue and state, as BullMQ counts them at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      if (!redisReady()) return;
      const counted = await Promise.all(
        options.queues.map(async (queue) => {
          try {
            return {
              queue: queue.name,
              counts: await withTimeout(queue.getJobCounts(), timeoutMs, 'job counts'),
            };
          } catch {
            return undefined;
          }
        }),
      );
      for (const result of counted) {
        if (!result) continue;
        for (const [state, value] of Object.entries(result.counts)) {
          if (Number.isFinite(value)) this.set({ queue: result.queue, state }, value);
        }
      }
    },
  });

  new SnapshotHistogram(
    {
      name: 'pushgate_scan_duration_seconds',
      help: 'Time to inspect one image, as workers measured it.',
      registers,
    },
    load,
  );
  new SnapshotCounter(
    {
      name: 'pushgate_bytes_read_total',
      help: 'Compressed layer bytes downloaded by inspections.',
      registers,
    },
    load,
    (s) => [{ labels: {}, value: s.bytesRead }],
  );
  new SnapshotCounter(
    {
      name: 'pushgate_layer_cache_hits_total',
      help: 'Layers whose facts came from the shared layer cache.',
      registers,
    },
    load,
    (s) => [{ labels: {}, value: s.layersCached }],
  );
  new SnapshotCounter(
    {
      name: 'pushgate_layer_cache_misses_total',
      help: 'Layers downloaded and read because the layer cache did not hold them.',
      registers,
    },
    load,
    (s) => [{ labels: {}, value: s.layersRead }],
  );
  new SnapshotCounter(
    {
      name: 'pushgate_verdicts_total',
      help: 'Images judged, by decision.',
      labelNames: ['decision'] as const,
      registers,
    },
    load,
    (s) => Object.entries(s.verdicts).map(([decision, value]) => ({ labels: { decision }, value })),
  );
  new SnapshotCounter(
    {
      name: 'pushgate_action_outcomes_total',
      help: 'Enforcement actions, by action and outcome (done, dry-run, skipped, failed).',
      labelNames: ['action', 'outcome'] as const,
      registers,
    },
    load,
    (s) => s.actions.map((a) => ({ labels: { action: a.kind, outcome: a.outcome }, value: a.count })),
  );

  const admittedRejected = options.admittedRejected;
  if (admittedRejected) {
    new ScrapedGauge(
      {
        name: 'pushgate_admitted_rejected_workloads',
        help: 'Workloads (namespace, kind, name) the admission webhook admitted with a digest whose current verdict rejects.',
        registers,
      },
      () =>
        redisReady()
          ? withTimeout(admittedRejected(), timeoutMs, 'counting admitted rejected workloads').catch(
              () => undefined,
            )
          : Promise.resolve(undefined),
    );
  }

  return {
    registry,
    eventsTotal,
    countEvent(source, outcome, count = 1) {
      if (count > 0) eventsTotal.inc({ source, outcome }, count);
    },
    async handler(_req, res) {
      let body: string;
      try {
        body = await registry.metrics();
      } catch {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('metrics collection failed\n');
        return;
      }
      res.statusCode = 200;
      res.setHeader('Content-Type', registry.contentType);
      res.end(body);
    },
  };
}
