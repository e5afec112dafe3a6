import type { ErrorObject } from 'ajv';
import type { ImageFacts } from '../facts/image-facts.js';
import { findWaiver } from './apply-waivers.js';
import { collectEvidence, type CollectedEvidence } from './collect-evidence.js';
import type { CompiledPolicy } from './compile-policies.js';
import { matchesScope, modeFor } from './match-scope.js';
import { renderMessage } from './render-message.js';
import type { PolicyResult, PolicyVerdict, Verdict, Violation } from './types.js';

export interface EvaluationTarget {
  digest: string;
  /** The reference as reported, e.g. `registry.example.com/prod/api:1.2`. */
  image: string;
  registry: string;
  repository: string;
  tag?: string;
  platform: string;
  /**
   * The Kubernetes namespace the image is judged for (admission). Absent for a registry push or a
   * scan: policies' `namespaces` scopes are then as if they were not written.
   */
  namespace?: string;
}

export interface EvaluateOptions {
  /** What a policy that could not be evaluated does to the decision; `fail-closed` by default. */
  onError?: 'fail-closed' | 'fail-open';
  /** Clock for waiver expiry and `evaluatedAt`. */
  now?: Date;
  policySetVersion: string;
}

type Decision = Verdict['decision'];

/**
 * Strongest first. A certain reject outranks an error (both block, and "rejected" says more);
 * an error under fail-closed outranks tag and warn because nothing vouches for the image.
 */
export const DECISION_RANK: Record<Decision, number> = { reject: 4, error: 3, tag: 2, warn: 1, pass: 0 };

/** The strongest of several decisions (per platform, per policy): `pass` for none. */
export function strongestDecision(decisions: Iterable<Decision>): Decision {
  let strongest: Decision = 'pass';
  for (const decision of decisions)
    if (DECISION_RANK[decision] > DECISION_RANK[strongest]) strongest = decision;
  return strongest;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Per-evaluation caches: many policies report the same locations with the same messages, and the
 * facts do not change during one evaluation.
 */
interface Memo {
  evidence: Map<string, CollectedEvidence>;
  messages: Map<string, string>;
}

function evaluatePolicy(
  compiled: CompiledPolicy,
  facts: ImageFacts,
  target: EvaluationTarget,
  now: Date,
  memo: Memo,
): PolicyVerdict {
  const { spec, metadata } = compiled.policy;
  const base = { name: metadata.name, mode: modeFor(compiled.policy, target) };
  if (!matchesScope(compiled.policy, target)) return { ...base, result: 'skip', violations: [] };

  const violations: Violation[] = [];
  const errors: string[] = [];
  for (const { rule, validate, error } of compiled.rules) {
    if (!validate) {
      errors.push(error ?? `rule ${rule.id} has no validator`);
      continue;
    }
    let ajvErrors: ErrorObject[];
    try {
      if (validate(facts)) continue;
      ajvErrors = validate.errors ?? [];
    } catch (thrown) {
      errors.push(`evaluating rule ${rule.id} of policy ${metadata.name}: ${describe(thrown)}`);
      continue;
    }
    // allErrors reports one failing rule several times (a keyword and its wrappers): one violation per location.
    const seen = new Set<string>();
    for (const ajvError of ajvErrors.length > 0 ? ajvErrors : [{ instancePath: '' }]) {
      if (seen.has(ajvError.instancePath)) continue;
      seen.add(ajvError.instancePath);
      let evidence = memo.evidence.get(ajvError.instancePath);
      if (!evidence) {
        evidence = collectEvidence(facts, ajvError.instancePath);
        memo.evidence.set(ajvError.instancePath, evidence);
      }
      let message = memo.messages.get(rule.message);
      if (message === undefined) {
        message = renderMessage(rule.message, facts);
        memo.messages.set(rule.message, message);
      }
      const violation: Violation = {
        rule: rule.id,
        severity: rule.severity,
        message,
        instancePath: ajvError.instancePath,
        evidence: [...evidence.items],
      };
      const waiver = findWaiver(spec.waivers, { rule: rule.id, evidencePaths: evidence.paths }, target, now);
      if (waiver) {
        violation.waived = {
          reason: waiver.reason,
          expires: waiver.expires,
          ...(waiver.owner !== undefined ? { owner: waiver.owner } : {}),
        };
      }
      violations.push(violation);
    }
  }

  if (errors.length > 0) return { ...base, result: 'error', violations, error: errors.join('; ') };
  const failed = violations.some((violation) => !violation.waived);
  let result: PolicyResult = 'pass';
  if (failed) result = spec.onFail?.action === 'warn' ? 'warn' : 'fail';
  return { ...base, result, violations };
}

function policyDecision(
  policy: PolicyVerdict,
  compiled: CompiledPolicy,
  onError: EvaluateOptions['onError'],
): Decision {
  // Audit mode (the one that applied to this image) records its result but never acts.
  if (policy.mode === 'audit') return 'pass';
  switch (policy.result) {
    case 'error':
      return onError === 'fail-open' ? 'pass' : 'error';
    case 'warn':
      return 'warn';
    case 'fail':
      return compiled.policy.spec.onFail?.action === 'tag' ? 'tag' : 'reject';
    default:
      return 'pass';
  }
}

/**
 * Evaluates compiled policies against one platform's facts. Per policy: `skip` outside its scope,
 * `error` when a rule could not be compiled or evaluated (never `fail`), `fail` when an unwaived
 * violation remains and `onFail` is reject or tag (reject when `onFail` is absent), `warn` when
 * `onFail` is warn, `pass` otherwise. A policy audited for this image (its `mode`, or the first
 * `modes` entry whose scope contains the image) keeps its result but is ignored by the decision,
 * which is the strongest of reject > error (fail-closed only) > tag > warn > pass.
 */
export function evaluate(
  compiled: readonly CompiledPolicy[],
  facts: ImageFacts,
  target: EvaluationTarget,
  options: EvaluateOptions,
): Verdict {
  const now = options.now ?? new Date();
  const policies: PolicyVerdict[] = [];
  let decision: Decision = 'pass';
  const memo: Memo = { evidence: new Map(), messages: new Map() };
  for (const policy of compiled) {
    const verdict = evaluatePolicy(policy, facts, target, now, memo);
    policies.push(verdict);
    const own = policyDecision(verdict, policy, options.onError);
    if (DECISION_RANK[own] > DECISION_RANK[decision]) decision = own;
  }
  return {
    digest: target.digest,
    image: target.image,
    platform: target.platform,
    decision,
    policies,
    policySetVersion: options.policySetVersion,
    evaluatedAt: now.toISOString(),
  };
}
