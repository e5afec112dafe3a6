import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerDeciderMetrics } from '../../../src/admission/decider-metrics.js';

describe('registerDeciderMetrics', () => {
  it('reads the cache and tag resolver stats at scrape time', async () => {
    const registry = new Registry();
    const cache = { stats: { hits: 0, misses: 0, size: 0 } };
    const tags = { stats: { hits: 0, resolutions: 0, coalesced: 0 } };
    registerDeciderMetrics(registry, { cache, tags });
    cache.stats = { hits: 7, misses: 3, size: 2 };
    tags.stats = { hits: 5, resolutions: 4, coalesced: 1 };
    let text = await registry.metrics();
    expect(text).toContain('pushgate_admission_decision_cache_lookups_total{result="hit"} 7');
    expect(text).toContain('pushgate_admission_decision_cache_lookups_total{result="miss"} 3');
    expect(text).toContain('pushgate_admission_decision_cache_entries 2');
    expect(text).toContain('pushgate_admission_tag_resolutions_total{result="cached"} 5');
    expect(text).toContain('pushgate_admission_tag_resolutions_total{result="resolved"} 4');
    expect(text).toContain('pushgate_admission_tag_resolutions_total{result="coalesced"} 1');
    // The next scrape shows the stats as they are then, not added to what was shown before.
    cache.stats = { hits: 8, misses: 3, size: 2 };
    text = await registry.metrics();
    expect(text).toContain('pushgate_admission_decision_cache_lookups_total{result="hit"} 8');
  });
});
