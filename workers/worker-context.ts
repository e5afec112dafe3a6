import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PushgateConfig } from '../src/config/types.js';
import type { FactExtractor } from '../src/facts/extractor.js';
import { EXTRACTORS } from '../src/facts/extractors/index.js';
import { createSecretsExtractor } from '../src/facts/extractors/secrets.js';
import { createLogger, logRedisErrors, type Logger } from '../src/logger.js';
import { jobOptions } from '../src/queue/create-queues.js';
import { enforceJobId } from '../src/queue/job-id.js';
import { ENFORCE_QUEUE, type EnforceJobData } from '../src/queue/job-types.js';
import type { EnforceContext } from '../src/pipeline/enforce-image.js';
import type { InspectContext } from '../src/pipeline/inspect-context.js';
import { loadPolicySet, type PolicySet } from '../src/pipeline/load-policy-set.js';
import { RegistryClients } from '../src/pipeline/registry-clients.js';
import { redisTarget } from '../src/store/redis-target.js';
import { AuditLog } from '../src/store/audit-log.js';
import { createRedis } from '../src/store/redis-connection.js';
import { FactsStore } from '../src/store/facts-store.js';
import { RedisLayerCache } from '../src/store/redis-layer-cache.js';
import { VerdictStore } from '../src/store/verdict-store.js';
import { InspectionLock } from '../src/store/inspection-lock.js';
import { OwnWriteMarkers } from '../src/actions/own-writes.js';
import { WorkerMetrics } from '../src/store/worker-metrics.js';
import { AdmittedImages } from '../src/store/admitted-images.js';
import { ReevaluationMarker } from '../src/store/reevaluation-marker.js';
import { admittedRetentionSeconds } from '../src/pipeline/admitted-workloads.js';

export type WorkerContext = InspectContext &
  EnforceContext & {
    store: VerdictStore;
    facts: FactsStore;
    admitted: AdmittedImages;
    lock: InspectionLock;
    reevaluationMarker: ReevaluationMarker;
    close(): Promise<void>;
  };

/** The extractor list with the configured secrets fingerprint key. */
export function configuredExtractors(config: PushgateConfig): FactExtractor[] {
  return EXTRACTORS.map((extractor) =>
    extractor.id === 'secrets'
      ? (createSecretsExtractor({ fingerprintKey: config.secrets.fingerprintKey }) as FactExtractor)
      : extractor,
  );
}

export async function createWorkerContext(
  config: PushgateConfig,
  options: { component: string; logger?: Logger; policySet?: PolicySet },
): Promise<WorkerContext> {
  const logger = options.logger ?? createLogger(config.log, { component: options.component });
  const target = redisTarget(config.redis);
  const onError = logRedisErrors(logger);
  const redis: Redis = createRedis(target, { name: options.component, onError });
  const bullRedis: Redis = createRedis(target, {
    name: `${options.component}-queue`,
    forBullmq: true,
    onError,
  });
  const prefix = config.redis.prefix;
  const store = new VerdictStore(redis, prefix);
  const enforceQueue = new Queue<EnforceJobData>(ENFORCE_QUEUE, {
    connection: bullRedis,
    prefix,
    defaultJobOptions: jobOptions(config.workers),
  });
  enforceQueue.on('error', (error: Error) => logger.warn({ err: error.message }, 'queue connection error'));
  const clients = new RegistryClients(config.registries, config.limits);
  const policySet = options.policySet ?? (await loadPolicySet(config.policies));
  return {
    config,
    logger,
    clients,
    policySet,
    extractors: configuredExtractors(config),
    layerCache: new RedisLayerCache(redis, prefix),
    store,
    facts: new FactsStore(redis, prefix),
    audit: new AuditLog(redis, prefix),
    metrics: new WorkerMetrics(redis, prefix),
    lock: new InspectionLock(redis, prefix),
    ownWrites: new OwnWriteMarkers(redis, prefix),
    admitted: new AdmittedImages(redis, prefix, { ttlSeconds: admittedRetentionSeconds(config.admission) }),
    reevaluationMarker: new ReevaluationMarker(redis, prefix),
    async enqueueEnforce(record, job) {
      await enforceQueue.add(
        'enforce',
        {
          registry: record.registry,
          repository: record.repository,
          digest: record.digest,
          ...(job.tag !== undefined ? { tag: job.tag } : {}),
          phase: job.phase,
        },
        { jobId: enforceJobId(job.inspectJobId) },
      );
    },
    async close() {
      await enforceQueue.close();
      // Redis before the registry clients, which wait for requests in flight: a job stopped on a
      // shutdown records nothing more meanwhile.
      redis.disconnect();
      bullRedis.disconnect();
      await clients.close();
    },
  };
}
