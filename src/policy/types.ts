import type { Severity } from '../facts/checks.js';

/** One policy document as loaded (YAML `apiVersion: pushgate.dev/v1`, `kind: ImagePolicy`). */
export interface ImagePolicy {
  apiVersion: 'pushgate.dev/v1';
  kind: 'ImagePolicy';
  metadata: { name: string; description?: string; labels?: Record<string, string> };
  spec: PolicySpec;
}

export interface Scope {
  registries?: string[];
  repositories?: string[];
  tags?: string[];
  platforms?: string[];
  /**
   * Kubernetes namespaces (admission). Without a namespace to match (a registry push, `scan`) the
   * field is as if it were not written: see `scopeMatches`.
   */
  namespaces?: string[];
}

export type PolicyMode = 'enforce' | 'audit';

/** One entry of `spec.modes`: the mode for the images inside `match` (every image when absent). */
export interface ScopedMode {
  match?: Scope;
  mode: PolicyMode;
}

export interface PolicySpec {
  match?: Scope;
  exclude?: Scope;
  /** The mode for images no `modes` entry contains; `enforce` when absent. */
  mode?: PolicyMode;
  /** Modes per scope, first containing entry wins: one policy enforced in one scope and audited in another. */
  modes?: ScopedMode[];
  onFail?: { action: 'reject' } | { action: 'tag'; tag: string } | { action: 'warn' };
  onPass?: { tag: string };
  rules: PolicyRule[];
  waivers?: Waiver[];
}

export interface PolicyRule {
  id: string;
  severity: Severity;
  /** A template; `{{compilers}}`-style placeholders name facts paths. */
  message: string;
  /** JSON Schema 2020-12 over the facts document. */
  schema: Record<string, unknown>;
}

export interface Waiver {
  rule: string;
  repositories?: string[];
  tags?: string[];
  digest?: string;
  paths?: string[];
  /** ISO date (YYYY-MM-DD) after which the waiver no longer applies. */
  expires: string;
  reason: string;
  owner?: string;
}

/** Where a policy came from, for errors and reports. */
export interface PolicySource {
  file: string;
  /** 0-based index of the document in a multi-document file. */
  document: number;
  line: number;
  column: number;
}

export interface LoadedPolicy {
  policy: ImagePolicy;
  source: PolicySource;
}

/** A problem found while loading or linting: always with file, line and column. */
export interface PolicyProblem {
  file: string;
  line: number;
  column: number;
  /** The offending key path, e.g. `spec.rules[2].schema.properties.compilers`. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export type RuleResult = 'pass' | 'fail' | 'error' | 'skip';
export type PolicyResult = 'pass' | 'fail' | 'warn' | 'error' | 'skip';

export interface Violation {
  rule: string;
  severity: Severity;
  message: string;
  instancePath: string;
  /** Evidence items copied from the facts at the instance path, when there are any (redacted already). */
  evidence: unknown[];
  waived?: { reason: string; expires: string; owner?: string };
}

export interface PolicyVerdict {
  name: string;
  /** The mode that applied to this image (from `spec.modes`, else `spec.mode`). */
  mode: PolicyMode;
  result: PolicyResult;
  violations: Violation[];
  /** Why the policy could not be evaluated (result `error`). */
  error?: string;
}

export interface Verdict {
  digest: string;
  image: string;
  platform: string;
  decision: 'pass' | 'reject' | 'tag' | 'warn' | 'error';
  policies: PolicyVerdict[];
  /** Content hash of every policy loaded: a change of policies can trigger re-evaluation. */
  policySetVersion: string;
  evaluatedAt: string;
}
