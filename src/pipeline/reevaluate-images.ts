import { deliverNotification } from '../actions/notify.js';
import { planNotifications } from '../actions/plan-actions.js';
import type { PushgateConfig } from '../config/types.js';
import { mapWithConcurrency } from '../facts/map-with-concurrency.js';
import type { Logger } from '../logger.js';
import { evaluate } from '../policy/evaluate.js';
import type { AdmittedImages } from '../store/admitted-images.js';
import type { FactsStore } from '../store/facts-store.js';
import type { InspectionLock } from '../store/inspection-lock.js';
import type { ReevaluationMarker } from '../store/reevaluation-marker.js';
import type { AuditEntry, ImageRecord } from '../store/types.js';
import type { VerdictStore } from '../store/verdict-store.js';
import { admittedAuditEntry, isRejecting, workloadNames } from './admitted-workloads.js';
import { auditReasons, reevaluatedRecord } from './image-record.js';
import type { PolicySet } from './load-policy-set.js';

export interface ReevaluationContext {
  config: Pick<PushgateConfig, 'policies' | 'enforcement'>;
  logger: Logger;
  policySet: Pick<PolicySet, 'compiled' | 'version'>;
  store: Pick<VerdictStore, 'list' | 'put'>;
  facts: Pick<FactsStore, 'get' | 'announce'>;
  audit: { append(entry: AuditEntry): Promise<unknown> };
  admitted: Pick<AdmittedImages, 'forDigest'>;
  lock: Pick<InspectionLock, 'acquire'>;
  marker: Pick<ReevaluationMarker, 'get' | 'set'>;
  /** Images judged at once (4 by default). */
  concurrency?: number;
  /** Lease of the one-at-a-time lock, renewed while it runs (60 s by default). */
  lockMs?: number;
}

export interface ReevaluationSummary {
  /** Why nothing was done: up to date, or another process holds the lock. */
  skipped?: 'up-to-date' | 'locked';
  examined: number;
  reevaluated: number;
  changed: number;
  turnedReject: number;
  /** Records that cannot be judged again: a failed inspection, or facts no longer stored. */
  withoutFacts: number;
  /** Stopped before the end (the process is closing); the next start carries on. */
  stopped?: true;
}

const LOCK_SUBJECT = 'policy-reevaluation';
const PAGE = 100;

/**
 * Judges every stored image again from its stored facts when the policy set changed, so a new
 * set never waits for the next push to reach verdicts, `/api/v1/admissions` and notifications.
 * One process at a time (a renewed Redis lease); idempotent and resumable: a record already at
 * this version is skipped, and the version is marked done only after a full pass. It updates
 * records (same shape as inspection writes), announces them on the image-changes channel, audits
 * every changed decision, and when admitted workloads now run a rejected digest, notifies the
 * configured targets naming them. It never queues enforcement: a re-evaluated reject deletes and
 * tags nothing (the next push of the image is enforced as usual).
 */
export async function reevaluateImages(
  ctx: ReevaluationContext,
  signal?: AbortSignal,
): Promise<ReevaluationSummary> {
  const version = ctx.policySet.version;
  const summary: ReevaluationSummary = {
    examined: 0,
    reevaluated: 0,
    changed: 0,
    turnedReject: 0,
    withoutFacts: 0,
  };
  if ((await ctx.marker.get()) === version) return { ...summary, skipped: 'up-to-date' };
  const release = await ctx.lock.acquire(LOCK_SUBJECT, ctx.lockMs ?? 60_000);
  if (!release) return { ...summary, skipped: 'locked' };
  try {
    ctx.logger.info({ policySetVersion: version }, 're-evaluating stored verdicts under a new policy set');
    let before: string | undefined;
    for (;;) {
      if (signal?.aborted) {
        summary.stopped = true;
        break;
      }
      const page = await ctx.store.list({ limit: PAGE, ...(before ? { before } : {}) });
      await mapWithConcurrency(page.items, ctx.concurrency ?? 4, async (record) => {
        summary.examined++;
        await reevaluateOne(record, ctx, summary);
      });
      if (!page.next) break;
      before = page.next;
    }
    if (!summary.stopped) await ctx.marker.set(version);
    ctx.logger.info({ policySetVersion: version, ...summary }, 're-evaluation of stored verdicts finished');
    return summary;
  } finally {
    await release().catch(() => undefined);
  }
}

async function reevaluateOne(
  previous: ImageRecord,
  ctx: ReevaluationContext,
  summary: ReevaluationSummary,
): Promise<void> {
  const version = ctx.policySet.version;
  if (previous.policySetVersion === version) return;
  if (previous.error !== undefined) {
    summary.withoutFacts++;
    return;
  }
  const platforms = await ctx.facts.get(previous.digest);
  if (!platforms || platforms.some((p) => p.facts === undefined)) {
    summary.withoutFacts++;
    return;
  }
  const name = `${previous.registryHost}/${previous.repository}`;
  const tag = previous.tags[0];
  const verdicts = platforms.map((p) =>
    evaluate(
      ctx.policySet.compiled,
      p.facts!,
      {
        digest: p.digest,
        image: tag ? `${name}:${tag}` : `${name}@${previous.digest}`,
        registry: previous.registryHost,
        repository: previous.repository,
        ...(tag !== undefined ? { tag } : {}),
        platform: p.platform,
      },
      { onError: ctx.config.policies.onError, policySetVersion: version },
    ),
  );
  const record = reevaluatedRecord(previous, verdicts, version);
  await ctx.store.put(record);
  await ctx.facts.announce([record.digest, ...platforms.map((p) => p.digest)]);
  summary.reevaluated++;
  if (record.decision === previous.decision) return;
  summary.changed++;
  await ctx.audit.append({
    time: record.evaluatedAt,
    type: 'verdict',
    registry: record.registry,
    repository: record.repository,
    digest: record.digest,
    decision: record.decision,
    detail: auditReasons(
      record.reasons,
      `re-evaluated under policy set ${version}: was ${previous.decision}`,
    ),
    ref: 'reevaluation',
  });
  ctx.logger.info(
    {
      registry: record.registry,
      repository: record.repository,
      digest: record.digest,
      was: previous.decision,
      decision: record.decision,
    },
    'verdict changed on re-evaluation (no enforcement queued)',
  );
  if (!isRejecting(record.decision) || isRejecting(previous.decision)) return;
  summary.turnedReject++;
  await alertAdmitted(record, ctx);
}

/**
 * A digest that turned to reject while the cluster runs it: an audit line naming the workloads,
 * and one notification per target that wants rejects (a failed delivery is logged, not retried:
 * the audit line and `/api/v1/admissions?decision=reject` still say it).
 */
export async function alertAdmitted(
  record: ImageRecord,
  ctx: Pick<ReevaluationContext, 'admitted' | 'audit' | 'config' | 'logger'>,
): Promise<void> {
  const admitted = await ctx.admitted.forDigest(record.digest);
  if (admitted.length === 0) return;
  await ctx.audit.append(admittedAuditEntry(record, admitted, 'reevaluation'));
  ctx.logger.warn(
    { digest: record.digest, decision: record.decision, workloads: workloadNames(admitted).slice(0, 20) },
    'admitted workloads run a digest that is now rejected',
  );
  for (const action of planNotifications(record, ctx.config.enforcement, admitted)) {
    try {
      await deliverNotification(action, record, 'admitted-rejected');
    } catch (err) {
      ctx.logger.warn(
        { target: action.detail, err: err instanceof Error ? err.message : String(err) },
        'could not notify that admitted workloads run a rejected digest',
      );
    }
  }
}

/**
 * Starts `reevaluateImages` in the background (startup never waits for it); `stop` asks it to
 * finish the page it is on and waits for it.
 */
export function startBackgroundReevaluation(ctx: ReevaluationContext): { stop(): Promise<void> } {
  const controller = new AbortController();
  const running = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => reevaluateImages(ctx, controller.signal))
    .then(
      () => undefined,
      (err: unknown) =>
        ctx.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          're-evaluation of stored verdicts failed; the next start with this policy set tries again',
        ),
    );
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}
