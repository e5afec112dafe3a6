import type { RegistryConfig } from '../config/types.js';
import type { PolicySet } from '../pipeline/load-policy-set.js';
import type { FactsStore } from '../store/facts-store.js';
import type { VerdictStore } from '../store/verdict-store.js';
import type { DecisionCache } from './decision-cache.js';
import type { TagResolver } from './tag-resolver.js';

/** What judging an image needs: configuration, the policy set, the stores and the two caches. */
export interface JudgeContext {
  registries: readonly RegistryConfig[];
  policySet: Pick<PolicySet, 'compiled' | 'version'>;
  /** `policies.onError`. */
  onError: 'fail-closed' | 'fail-open';
  facts: Pick<FactsStore, 'get'>;
  verdicts: Pick<VerdictStore, 'get'>;
  tags: Pick<TagResolver, 'resolve'>;
  cache: DecisionCache;
}
