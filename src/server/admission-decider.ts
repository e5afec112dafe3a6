import { createBreakGlassLookup } from '../admission/break-glass-lookup.js';
import { createAdmissionDecider } from '../admission/create-decider.js';
import { registerDeciderMetrics } from '../admission/decider-metrics.js';
import { DecisionCache } from '../admission/decision-cache.js';
import { TagResolver } from '../admission/tag-resolver.js';
import type { AdmissionDecider } from '../admission/types.js';
import { RegistryClients } from '../pipeline/registry-clients.js';
import { FactsStore } from '../store/facts-store.js';
import { subscribeImageChanges } from '../store/image-changes.js';
import { createRedis } from '../store/redis-connection.js';
import { redisTarget } from '../store/redis-target.js';
import type { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import type { PushgateConfig, RegistryConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { PolicySet } from '../pipeline/load-policy-set.js';
import type { Queues } from '../queue/create-queues.js';
import type { AuditLog } from '../store/audit-log.js';
import type { VerdictStore } from '../store/verdict-store.js';
import type { AdmittedImages } from '../store/admitted-images.js';
import type { BreakGlassStore } from '../store/break-glass.js';

/** What the admission decider is built from: the server's own connections and state. */
export interface AdmissionDeciderContext {
  config: PushgateConfig;
  logger: Logger;
  redis: Redis;
  store: VerdictStore;
  audit: AuditLog;
  queues: Queues;
  policySet: PolicySet;
  /** The `/metrics` registry, for the decider's own series (cache hits, tag resolutions). */
  metricsRegistry: Registry;
  /** Where allowed answers record what they admitted. */
  admitted: AdmittedImages;
  /** Time-boxed namespace exemptions (break-glass). */
  breakGlass: BreakGlassStore;
}

/** Builds the decider the admission endpoint asks (`admission.enabled`). */
export type AdmissionDeciderFactory = (
  context: AdmissionDeciderContext,
) => AdmissionDecider | Promise<AdmissionDecider>;

/**
 * The admission decider of a `serve` process, built from the server's own connections: one tag
 * resolver and one decision cache per process, kept fresh by the image-changes channel (its own
 * subscriber connection: a subscribed Redis connection can do nothing else), registry readers
 * (never writers), the inspect queue for images never seen, the audit stream for denials, and
 * the cache and tag-resolution series on the service's `/metrics`.
 */
export async function createServerAdmissionDecider(
  context: AdmissionDeciderContext,
  options: { ownNamespace?: string } = {},
): Promise<AdmissionDecider> {
  const { config, logger } = context;
  const readers = new RegistryClients(tagLookupRegistries(config.registries), config.limits);
  const tags = new TagResolver(readers);
  const cache = new DecisionCache();
  registerDeciderMetrics(context.metricsRegistry, { cache, tags });
  const subscriber = createRedis(redisTarget(config.redis), {
    name: 'admission-changes',
    onError: (err) => logger.warn({ err: err.message }, 'admission: image-changes subscription error'),
  });
  let unsubscribe: () => Promise<void>;
  try {
    unsubscribe = await subscribeImageChanges(subscriber, config.redis.prefix, (change) =>
      cache.apply(change),
    );
  } catch (err) {
    // Nothing may keep reconnecting, or hold the process open, once startup has failed.
    subscriber.disconnect();
    await readers.close();
    throw err;
  }
  const decider = createAdmissionDecider({
    config,
    judge: {
      registries: config.registries,
      policySet: context.policySet,
      onError: config.policies.onError,
      facts: new FactsStore(context.redis, config.redis.prefix),
      verdicts: context.store,
      tags,
      cache,
    },
    ...(options.ownNamespace ? { ownNamespace: options.ownNamespace } : {}),
    breakGlass: createBreakGlassLookup(() => context.breakGlass.list(), {
      onError: (err) =>
        logger.warn({ err: err.message }, 'admission: break-glass exemptions unreadable; none honoured'),
    }),
    audit: context.audit,
    enqueueInspection: async (job) => {
      await context.queues.inspect.add(job.name, job.data, job.opts);
    },
    recordAdmitted: (entries) => context.admitted.record(entries),
    logger,
  });
  return {
    ...decider,
    async close() {
      await unsubscribe();
      subscriber.disconnect();
      await readers.close();
    },
  };
}

/** The registries as admission's tag lookups use them: with the read-only pull account when set. */
export function tagLookupRegistries(registries: readonly RegistryConfig[]): RegistryConfig[] {
  return registries.map((registry) =>
    registry.pullCredentials ? { ...registry, credentials: registry.pullCredentials } : registry,
  );
}
