import type { PoliciesConfig } from '../config/types.js';
import { PushgateError } from '../errors.js';
import { compilePolicies, type CompiledPolicy } from '../policy/compile-policies.js';
import { loadPolicies } from '../policy/load-policies.js';
import type { LoadedPolicy } from '../policy/types.js';

export interface PolicySet {
  policies: readonly LoadedPolicy[];
  compiled: readonly CompiledPolicy[];
  version: string;
}

/**
 * The service refuses to start on a policy with an error: running with a policy silently left out
 * would let images through that the author meant to stop.
 */
export async function loadPolicySet(config: PoliciesConfig): Promise<PolicySet> {
  const loaded = await loadPolicies([...config.paths]);
  const errors = loaded.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const lines = errors.slice(0, 20).map((p) => `  ${p.file}:${p.line}:${p.column} ${p.path} ${p.message}`);
    throw new PushgateError(
      'CONFIG_INVALID',
      `policies have ${errors.length} error(s) (run \`pushgate policy lint\`):\n${lines.join('\n')}`,
    );
  }
  if (loaded.policies.length === 0) {
    throw new PushgateError('CONFIG_INVALID', `no policies found in ${config.paths.join(', ')}`);
  }
  return { policies: loaded.policies, compiled: compilePolicies(loaded.policies), version: loaded.version };
}
