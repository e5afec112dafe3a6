import type { ValidateFunction } from 'ajv';
import { createPolicyAjv } from './create-policy-ajv.js';
import type { LoadedPolicy, PolicyRule } from './types.js';

export interface CompiledRule {
  rule: PolicyRule;
  /** Absent when the schema did not compile; `error` says why. */
  validate?: ValidateFunction;
  error?: string;
}

export interface CompiledPolicy extends LoadedPolicy {
  rules: CompiledRule[];
}

/**
 * Compiles every rule's schema once, so evaluation per image and platform only runs validators.
 * A schema that does not compile is kept with its error: the policy then evaluates to `error`,
 * never to `fail`, and the other policies are unaffected.
 */
export function compilePolicies(policies: readonly LoadedPolicy[]): CompiledPolicy[] {
  const ajv = createPolicyAjv();
  return policies.map((loaded) => ({
    ...loaded,
    rules: loaded.policy.spec.rules.map((rule): CompiledRule => {
      try {
        return { rule, validate: ajv.compile(rule.schema) };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return {
          rule,
          error: `compiling the schema of rule ${rule.id} of policy ${loaded.policy.metadata.name}: ${reason}`,
        };
      }
    }),
  }));
}
