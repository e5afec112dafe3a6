import type { OwnWriteMarkers } from '../actions/own-writes.js';
import type { PushgateConfig } from '../config/types.js';
import type { FactExtractor } from '../facts/extractor.js';
import type { LayerCache } from '../facts/layer-cache.js';
import type { Logger } from '../logger.js';
import type { InspectJobData } from '../queue/job-types.js';
import type { FactsStore } from '../store/facts-store.js';
import type { AuditEntry, ImageRecord } from '../store/types.js';
import type { PolicySet } from './load-policy-set.js';
import type { RegistryReaders } from './registry-clients.js';

/** What inspection needs; built once per worker process (see workers/worker-context.ts). */
export interface InspectContext {
  config: PushgateConfig;
  logger: Logger;
  /** Readers only: inspection never writes to a registry (only src/actions does). */
  clients: RegistryReaders;
  policySet: PolicySet;
  extractors: readonly FactExtractor[];
  layerCache: LayerCache;
  store: {
    get(digest: string, where: { registry: string; repository: string }): Promise<ImageRecord | undefined>;
    put(record: ImageRecord): Promise<void>;
    addTags(registry: string, repository: string, digest: string, tags: string[]): Promise<void>;
    tags(registry: string, repository: string, digest: string): Promise<string[]>;
  };
  /** The full facts of every judged manifest (admission judges from them); see FactsStore. */
  facts: Pick<FactsStore, 'put' | 'announce'>;
  audit: { append(entry: AuditEntry): Promise<unknown> };
  metrics: {
    recordScan(scan: {
      durationMs: number;
      bytesRead: number;
      layersRead: number;
      layersCached: number;
      decision: string;
    }): Promise<void>;
  };
  /** Queues the enforcement that follows this inspect job (one per delivery). */
  enqueueEnforce(
    record: ImageRecord,
    job: { inspectJobId: string; tag?: string; phase: 'verdict' | 'push' },
  ): Promise<void>;
  /** Leases last `workers.lockDurationMs`, like BullMQ's own job locks, renewed while held. */
  lock: { acquire(subject: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> };
  ownWrites: Pick<OwnWriteMarkers, 'isExpected'>;
}

export interface Attempt {
  /** The inspect job's id (the enforcement job's id derives from it). */
  jobId: string;
  /** 1 for the first run. */
  number: number;
  /** No retry follows this attempt: a failure now is final. */
  last: boolean;
}

/**
 * Queues the enforcement of `record` for this push: `verdict` after a new verdict (registry
 * actions, report, notifications), `push` for a later push of an image already judged.
 */
export async function queueEnforcement(
  ctx: Pick<InspectContext, 'enqueueEnforce'>,
  record: ImageRecord,
  data: InspectJobData,
  attempt: Attempt,
  phase: 'verdict' | 'push',
): Promise<void> {
  await ctx.enqueueEnforce(record, {
    inspectJobId: attempt.jobId,
    ...(data.tag !== undefined ? { tag: data.tag } : {}),
    phase,
  });
}
