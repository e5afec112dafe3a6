import type { AdmissionConfig } from '../config/types.js';
import { PushgateError } from '../errors.js';
import type { AdmittedImage, AdmittedImages } from '../store/admitted-images.js';
import type { AuditEntry, Decision, ImageRecord } from '../store/types.js';

/** What admission makes of a stored verdict: `tag` denies like `reject`; no record is `unknown`. */
export type AdmittedDecision = 'pass' | 'warn' | 'reject' | 'error' | 'unknown';

export const ADMITTED_DECISIONS: readonly AdmittedDecision[] = ['pass', 'warn', 'reject', 'error', 'unknown'];

/** Admissions are kept at least this long, and as long as `protectAdmittedDays` looks back. */
const MIN_RETENTION_DAYS = 30;
/** Index entries one listing reads at most while filtering by decision. */
const SCAN_BUDGET = 5_000;
const BATCH = 200;
const LOOKUP_CONCURRENCY = 8;

export function admittedRetentionSeconds(admission: Pick<AdmissionConfig, 'protectAdmittedDays'>): number {
  return Math.max(admission.protectAdmittedDays, MIN_RETENTION_DAYS) * 24 * 3600;
}

/** A decision that admission denies (and that turns admitted workloads into a problem). */
export function isRejecting(decision: Decision | undefined): boolean {
  return decision === 'reject' || decision === 'tag';
}

export function admittedDecisionOf(record: ImageRecord | undefined): AdmittedDecision {
  if (!record) return 'unknown';
  const decision = record.decision;
  return decision === 'reject' || decision === 'tag' ? 'reject' : decision;
}

export interface AdmissionListing extends AdmittedImage {
  /** The digest's current verdict, as admission reads it. */
  decision: AdmittedDecision;
  registry?: string;
  repository?: string;
}

export interface AdmittedWorkloadsDeps {
  admitted: Pick<AdmittedImages, 'page' | 'all'>;
  /** The most recently judged record of a digest (any repository). */
  verdicts: { get(digest: string): Promise<ImageRecord | undefined> };
}

/** The current verdicts of `digests`, looked up a few at a time. */
async function verdictsOf(
  deps: AdmittedWorkloadsDeps,
  digests: Iterable<string>,
  known: Map<string, ImageRecord | undefined>,
): Promise<void> {
  const wanted = [...new Set(digests)].filter((d) => !known.has(d));
  for (let i = 0; i < wanted.length; i += LOOKUP_CONCURRENCY) {
    const slice = wanted.slice(i, i + LOOKUP_CONCURRENCY);
    const records = await Promise.all(slice.map((d) => deps.verdicts.get(d)));
    slice.forEach((d, j) => known.set(d, records[j]));
  }
}

/**
 * Recent admissions, newest first, each with its digest's current verdict; with `decision`, only
 * those whose verdict is that (`reject`: the workloads running a digest pushgate now rejects).
 * Filtering reads at most a budget of index entries per call; `next` then continues the scan.
 */
export async function listAdmissions(
  deps: AdmittedWorkloadsDeps,
  query: { decision?: string; limit: number; before?: string },
): Promise<{ admissions: AdmissionListing[]; next?: string }> {
  const decision = query.decision;
  if (decision !== undefined && !(ADMITTED_DECISIONS as readonly string[]).includes(decision)) {
    throw new PushgateError('BAD_REQUEST', `decision must be one of ${ADMITTED_DECISIONS.join(', ')}`);
  }
  const known = new Map<string, ImageRecord | undefined>();
  const admissions: AdmissionListing[] = [];
  let cursor = query.before;
  let scanned = 0;
  for (;;) {
    const count =
      decision === undefined ? query.limit - admissions.length : Math.min(BATCH, SCAN_BUDGET - scanned);
    const page = await deps.admitted.page(cursor, count);
    await verdictsOf(
      deps,
      page.items.map((i) => i.digest),
      known,
    );
    for (const { cursor: after, ...item } of page.items) {
      scanned++;
      cursor = after;
      const record = known.get(item.digest);
      const current = admittedDecisionOf(record);
      if (decision !== undefined && current !== decision) continue;
      admissions.push({
        ...item,
        decision: current,
        ...(record ? { registry: record.registry, repository: record.repository } : {}),
      });
      if (admissions.length === query.limit) return { admissions, next: after };
    }
    if (page.exhausted) return { admissions };
    if (scanned >= SCAN_BUDGET) return cursor === undefined ? { admissions } : { admissions, next: cursor };
  }
}

/**
 * Distinct workloads (namespace, kind, name) admitted with a digest whose current verdict
 * rejects: what `/metrics` reports. Reads every kept admission (bounded by the store's cap) and
 * one verdict per distinct digest.
 */
export async function countAdmittedRejected(deps: AdmittedWorkloadsDeps): Promise<number> {
  const all = await deps.admitted.all();
  const known = new Map<string, ImageRecord | undefined>();
  await verdictsOf(
    deps,
    all.map((a) => a.digest),
    known,
  );
  const workloads = new Set<string>();
  for (const a of all) {
    if (isRejecting(known.get(a.digest)?.decision))
      workloads.add(JSON.stringify([a.namespace, a.kind, a.name]));
  }
  return workloads.size;
}

/** `namespace/Kind/name` of each workload once, for notifications and the audit line. */
export function workloadNames(admitted: readonly AdmittedImage[]): string[] {
  return [...new Set(admitted.map((a) => `${a.namespace}/${a.kind}/${a.name}`))];
}

/** The audit line that says a rejected digest runs in the cluster. */
export function admittedAuditEntry(
  record: ImageRecord,
  admitted: readonly AdmittedImage[],
  cause: 'reevaluation' | 'enforcement',
): AuditEntry {
  const names = workloadNames(admitted);
  const shown = names.slice(0, 20).join(', ');
  return {
    time: new Date().toISOString(),
    type: 'verdict',
    registry: record.registry,
    repository: record.repository,
    digest: record.digest,
    decision: record.decision,
    detail: `${cause === 'reevaluation' ? 'turned' : 'is'} ${record.decision} while admitted to the cluster: ${names.length} workload(s): ${shown}${names.length > 20 ? ', …' : ''}`,
    ref: `admitted-${cause}`,
  };
}
