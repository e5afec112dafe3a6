import type { PushgateError } from '../errors.js';
import type { Severity } from '../facts/checks.js';
import type { PlatformFacts } from '../facts/gather-facts.js';
import { strongestDecision } from '../policy/evaluate.js';
import type { Verdict } from '../policy/types.js';
import type { InspectJobData } from '../queue/job-types.js';
import { MAX_AUDIT_FIELD_CHARS } from '../store/audit-log.js';
import type { AuditEntry, FactsSummary, ImageRecord } from '../store/types.js';

/** Who and when an image record is about: the same for a verdict and for a failure. */
export interface RecordSubject {
  registry: string;
  registryHost: string;
  repository: string;
  digest: string;
  tags: string[];
  policySetVersion: string;
  scanMs: number;
}

/** The stored outcome of an inspection: the strongest decision over the platforms' verdicts. */
export function verdictRecord(
  subject: RecordSubject,
  verdicts: readonly Verdict[],
  platforms: readonly PlatformFacts[],
): ImageRecord {
  return record(subject, {
    decision: strongestDecision(verdicts.map((v) => v.decision)),
    reasons: reasonsOf(verdicts),
    verdicts: [...verdicts],
    facts: summarise(platforms),
  });
}

/**
 * A stored verdict judged again from its stored facts under another policy set: the same record
 * with the new decision, reasons, verdicts, version and time. The facts summary, scan time, tags
 * and the actions already taken stay (the registry is as those actions left it).
 */
export function reevaluatedRecord(
  previous: ImageRecord,
  verdicts: readonly Verdict[],
  policySetVersion: string,
): ImageRecord {
  return {
    ...previous,
    decision: strongestDecision(verdicts.map((v) => v.decision)),
    reasons: reasonsOf(verdicts),
    verdicts: [...verdicts],
    policySetVersion,
    evaluatedAt: new Date().toISOString(),
  };
}

/**
 * The stored outcome of an inspection that failed for good: `error`, or under fail-closed for an
 * image that cannot be judged, a `reject` marked `unjudged` with the reason UNJUDGED.
 */
export function failureRecord(subject: RecordSubject, error: PushgateError, unjudged: boolean): ImageRecord {
  return {
    ...record(subject, {
      decision: unjudged ? 'reject' : 'error',
      ...(unjudged ? { unjudged: true } : {}),
      reasons: [`${unjudged ? 'UNJUDGED: ' : ''}could not be inspected: ${error.code}: ${error.message}`],
      verdicts: [],
      facts: summarise([]),
    }),
    error: { code: error.code, message: error.message },
  };
}

function record(
  subject: RecordSubject,
  outcome: Pick<ImageRecord, 'decision' | 'unjudged' | 'reasons' | 'verdicts' | 'facts'>,
): ImageRecord {
  return {
    registry: subject.registry,
    registryHost: subject.registryHost,
    repository: subject.repository,
    digest: subject.digest,
    tags: subject.tags,
    ...outcome,
    actions: [],
    policySetVersion: subject.policySetVersion,
    evaluatedAt: new Date().toISOString(),
    scanMs: subject.scanMs,
  };
}

/** The audit log's line for a stored record. */
export function auditOf(record: ImageRecord, data: InspectJobData): AuditEntry {
  return {
    time: record.evaluatedAt,
    type: 'verdict',
    registry: record.registry,
    repository: record.repository,
    digest: record.digest,
    ...(data.tag !== undefined ? { tag: data.tag } : {}),
    decision: record.decision,
    detail: auditReasons(record.reasons),
    ...(data.eventId !== undefined ? { ref: data.eventId } : {}),
  };
}

/**
 * Reasons as one audit field: `lead` (when given), then whole reasons in their order (most severe
 * first) while they fit the store's field limit, then "+N more" for the rest. A reason is never
 * cut: half a message reads as a different finding; the record (`GET /api/v1/images/{digest}`)
 * has them all.
 */
export function auditReasons(reasons: readonly string[], lead?: string): string {
  const budget = MAX_AUDIT_FIELD_CHARS - 32; // room for "; +N more"
  const parts = lead !== undefined ? [lead] : [];
  let length = lead?.length ?? 0;
  let shown = 0;
  for (const reason of reasons) {
    const added = (parts.length > 0 ? 2 : 0) + reason.length;
    if (length + added > budget) break;
    parts.push(reason);
    length += added;
    shown++;
  }
  if (shown < reasons.length) parts.push(`+${reasons.length - shown} more`);
  return parts.join('; ');
}

/** Most severe first; a policy that could not be evaluated before any violation (it may hide any). */
const RANK: Record<Severity | 'error', number> = {
  error: 0,
  critical: 1,
  high: 2,
  medium: 3,
  low: 4,
  info: 5,
};

/**
 * One line per violation of a failing enforce policy (waived ones left out), most severe first;
 * within a severity, in the order the policies were evaluated.
 */
export function reasonsOf(verdicts: readonly Verdict[]): string[] {
  const reasons = new Map<string, number>();
  for (const verdict of verdicts) {
    for (const policy of verdict.policies) {
      if (policy.mode !== 'enforce') continue;
      if (policy.result === 'error') {
        const reason = `${policy.name}: could not be evaluated: ${policy.error ?? ''}`;
        if (!reasons.has(reason)) reasons.set(reason, RANK.error);
      }
      if (policy.result !== 'fail' && policy.result !== 'warn') continue;
      for (const violation of policy.violations) {
        if (violation.waived) continue;
        const reason = `${policy.name}/${violation.rule} (${violation.severity}): ${violation.message}`;
        if (!reasons.has(reason)) reasons.set(reason, RANK[violation.severity] ?? RANK.info);
      }
    }
  }
  // Array.prototype.sort is stable: equal ranks keep their evaluation order.
  return [...reasons].sort((a, b) => a[1] - b[1]).map(([reason]) => reason);
}

function names(findings: ReadonlyArray<{ name: string }> | undefined): string[] {
  return [...new Set((findings ?? []).map((f) => f.name))].sort();
}

/** The facts an image record keeps: what the API lists and admission reads, not the whole document. */
export function summarise(platforms: readonly PlatformFacts[]): FactsSummary {
  const first = platforms[0]?.facts;
  return {
    platforms: platforms.map((p) => p.platform),
    ...(first?.user?.name != null
      ? { user: first.user.name }
      : first?.user?.uid != null
        ? { user: String(first.user.uid) }
        : {}),
    compilers: [...new Set(platforms.flatMap((p) => names(p.facts.compilers)))].sort(),
    shells: [...new Set(platforms.flatMap((p) => names(p.facts.shells)))].sort(),
    packageManagers: [...new Set(platforms.flatMap((p) => names(p.facts.packageManagers)))].sort(),
    secrets: platforms.reduce((n, p) => n + (p.facts.secrets?.findings.length ?? 0), 0),
    sizeBytes: platforms.reduce((n, p) => n + p.facts.totals.compressedSize, 0),
    layers: platforms.reduce((n, p) => n + p.facts.totals.layerCount, 0),
  };
}
