import { Counter, Gauge, type Registry } from 'prom-client';
import type { DecisionCache } from './decision-cache.js';
import type { TagResolver } from './tag-resolver.js';

export interface DeciderStatsSources {
  cache: Pick<DecisionCache, 'stats'>;
  tags: Pick<TagResolver, 'stats'>;
}

/**
 * The decider's cache and tag-resolution series on `registry` (the service's `/metrics`), read
 * from the `stats` the cache and the resolver keep anyway, at scrape time: nothing is added to the
 * path of a review. The stats only grow for the life of the process, so they are counters.
 */
export function registerDeciderMetrics(registry: Registry, sources: DeciderStatsSources): void {
  const registers = [registry];
  new Counter({
    name: 'pushgate_admission_decision_cache_lookups_total',
    help: 'Judgements looked up in the in-process decision cache (digest + policy-set version + namespace), by result (hit, miss).',
    labelNames: ['result'] as const,
    registers,
    collect() {
      const { hits, misses } = sources.cache.stats;
      this.reset();
      this.inc({ result: 'hit' }, hits);
      this.inc({ result: 'miss' }, misses);
    },
  });
  new Gauge({
    name: 'pushgate_admission_decision_cache_entries',
    help: 'Judgements held in the in-process decision cache.',
    registers,
    collect() {
      this.set(sources.cache.stats.size);
    },
  });
  new Counter({
    name: 'pushgate_admission_tag_resolutions_total',
    help: 'Image tags resolved to a digest for admission, by result: cached (no request), resolved (one HEAD sent to the registry), coalesced (joined a HEAD in flight).',
    labelNames: ['result'] as const,
    registers,
    collect() {
      const { hits, resolutions, coalesced } = sources.tags.stats;
      this.reset();
      this.inc({ result: 'cached' }, hits);
      this.inc({ result: 'resolved' }, resolutions);
      this.inc({ result: 'coalesced' }, coalesced);
    },
  });
}
