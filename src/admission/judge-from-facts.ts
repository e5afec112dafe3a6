import { printable } from '../escape-text.js';
import { evaluate, strongestDecision, type EvaluateOptions } from '../policy/evaluate.js';
import type { CompiledPolicy } from '../policy/compile-policies.js';
import type { Verdict } from '../policy/types.js';
import type { StoredPlatformFacts } from '../store/facts-store.js';
import type { Judgement } from './decision-cache.js';

/** The image as the pod names it, and where it runs. */
export interface FactsTarget {
  digest: string;
  /** The registry host as references name it. */
  registry: string;
  repository: string;
  tag?: string;
  namespace: string;
}

/** Longest reason line kept: kubectl prints every one, and a message may quote image content. */
const MAX_REASON_CHARS = 500;

/**
 * Evaluates the policy set over the stored facts of every platform for the pod's namespace (an
 * index takes its worst platform). reject and tag → `reject`, error → `error`, warn → `warn`, else
 * `pass`. Reasons, for every outcome but `pass`: one `policy/rule: message` per unwaived violation
 * of a policy enforced here (`policy: could not be evaluated: …` for an error), escaped for a
 * terminal. Audited policies never change the outcome and are not listed.
 */
export function judgeFromFacts(
  platforms: readonly StoredPlatformFacts[],
  target: FactsTarget,
  policies: { compiled: readonly CompiledPolicy[]; version: string },
  onError: EvaluateOptions['onError'],
  now?: Date,
): Judgement {
  const image = `${target.registry}/${target.repository}${target.tag !== undefined ? `:${target.tag}` : ''}@${target.digest}`;
  const missing = platforms.filter((p) => p.facts === undefined);
  if (missing.length > 0) {
    return {
      outcome: 'error',
      digest: target.digest,
      reasons: missing.map((p) =>
        printable(`facts of ${p.platform} (${p.digest}) were too large to store; it cannot be judged here`),
      ),
    };
  }
  const verdicts: Verdict[] = platforms.map((p) =>
    evaluate(
      policies.compiled,
      p.facts!,
      {
        digest: p.digest,
        image,
        registry: target.registry,
        repository: target.repository,
        ...(target.tag !== undefined ? { tag: target.tag } : {}),
        platform: p.platform,
        namespace: target.namespace,
      },
      { policySetVersion: policies.version, ...(onError ? { onError } : {}), ...(now ? { now } : {}) },
    ),
  );
  const decision = strongestDecision(verdicts.map((v) => v.decision));
  const outcome =
    decision === 'reject' || decision === 'tag' ? 'reject' : decision === 'error' ? 'error' : decision;
  return {
    outcome,
    digest: target.digest,
    reasons: outcome === 'pass' ? [] : reasonsOf(verdicts),
  };
}

/**
 * The failing rules of enforce policies: errors and failures first, then warnings, so the first
 * reason of a rejection (in the denial, the audit entry and the log) is one that rejects.
 */
function reasonsOf(verdicts: readonly Verdict[]): string[] {
  const failing = new Set<string>();
  const warning = new Set<string>();
  for (const verdict of verdicts) {
    for (const policy of verdict.policies) {
      if (policy.mode !== 'enforce') continue;
      if (policy.result === 'error') {
        failing.add(
          printable(`${policy.name}: could not be evaluated: ${policy.error ?? ''}`, MAX_REASON_CHARS),
        );
        continue;
      }
      if (policy.result !== 'fail' && policy.result !== 'warn') continue;
      const into = policy.result === 'fail' ? failing : warning;
      for (const violation of policy.violations) {
        if (violation.waived) continue;
        into.add(printable(`${policy.name}/${violation.rule}: ${violation.message}`, MAX_REASON_CHARS));
      }
    }
  }
  for (const reason of failing) warning.delete(reason);
  return [...failing, ...warning];
}
