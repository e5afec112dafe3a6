import { planActions } from '../actions/plan-actions.js';
import { runActions } from '../actions/run-actions.js';
import { recordPlannedWrites, type OwnWriteMarkers } from '../actions/own-writes.js';
import type { PushgateConfig } from '../config/types.js';
import { isPushgateError, PushgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EnforceJobData } from '../queue/job-types.js';
import type { ActionRecord, AuditEntry, ImageRecord } from '../store/types.js';
import type { AdmittedImage, AdmittedImages } from '../store/admitted-images.js';
import { admittedAuditEntry, isRejecting } from './admitted-workloads.js';
import type { PolicySet } from './load-policy-set.js';
import type { RegistryClients } from './registry-clients.js';

export interface EnforceContext {
  config: PushgateConfig;
  logger: Logger;
  clients: RegistryClients;
  policySet: PolicySet;
  store: {
    get(digest: string, where: { registry: string; repository: string }): Promise<ImageRecord | undefined>;
    tags(registry: string, repository: string, digest: string): Promise<string[]>;
    appendActions(
      registry: string,
      repository: string,
      digest: string,
      actions: ActionRecord[],
    ): Promise<unknown>;
  };
  audit: { append(entry: AuditEntry): Promise<unknown> };
  metrics: { recordAction(kind: string, outcome: string): Promise<void> };
  ownWrites: Pick<OwnWriteMarkers, 'expect'>;
  /** What the admission webhook let run (absent: nothing is known of the cluster). */
  admitted?: Pick<AdmittedImages, 'forDigest'>;
}

export interface EnforceResult {
  records: ActionRecord[];
  /** Action kinds to skip on a retry (done already). */
  done: string[];
  /** Some action failed transiently: the job should be retried for the rest. */
  retry: boolean;
}

/**
 * Plans and runs the actions for one push of a judged image; every action is audited and counted.
 * Tag actions apply to the pushed tag only, and only while that tag still names this digest (a tag
 * that moved on keeps its own verdict). A `push` phase (a later push of an image already judged)
 * repeats the registry actions but not the report and notifications, which went out once.
 */
export async function enforceImage(data: EnforceJobData, ctx: EnforceContext): Promise<EnforceResult> {
  const record = await ctx.store.get(data.digest, { registry: data.registry, repository: data.repository });
  if (!record) {
    throw new PushgateError(
      'INTERNAL',
      `enforce ${data.repository}@${data.digest}: no verdict stored for this image`,
    );
  }
  const client = ctx.clients.client(data.registry);
  const pushed: ImageRecord = { ...record, tags: data.tag !== undefined ? [data.tag] : [] };
  const done = new Set(data.done ?? []);
  const admitted = await admittedFacts(record, ctx);
  let planned = planActions({
    record: pushed,
    policies: ctx.policySet.policies,
    enforcement: ctx.config.enforcement,
    registry: ctx.clients.config(data.registry),
    ...(admitted ? { admitted } : {}),
  });
  if (admitted && admitted.workloads.length > 0 && data.phase !== 'push') {
    await ctx.audit.append(admittedAuditEntry(record, admitted.workloads, 'enforcement'));
  }
  if (data.phase === 'push') planned = planned.filter((a) => a.kind !== 'attach' && a.kind !== 'notify');
  if (planned.some((a) => a.kind === 'tag') && !(await tagStillNames(client, data))) {
    planned = planned.filter((a) => a.kind !== 'tag');
  }
  planned = planned.filter((action) => !done.has(actionKey(action)));

  if (!ctx.config.enforcement.dryRun) await recordPlannedWrites(ctx.ownWrites, data.registry, planned);
  const { records, retryable } = await runActions(planned, {
    // The only writer handed out: actions are the only code that writes to registries.
    client: ctx.clients.writer(data.registry),
    dryRun: ctx.config.enforcement.dryRun,
    record: { ...record, tags: [...new Set([...record.tags, ...pushed.tags])] },
    logger: ctx.logger,
  });
  if (records.length > 0) await ctx.store.appendActions(data.registry, data.repository, data.digest, records);
  for (const [i, action] of records.entries()) {
    await ctx.metrics.recordAction(action.kind, action.outcome);
    await ctx.audit.append({
      time: action.at,
      type: 'action',
      registry: data.registry,
      repository: data.repository,
      digest: data.digest,
      ...(data.tag !== undefined ? { tag: data.tag } : {}),
      decision: record.decision,
      action: action.kind,
      outcome: action.outcome,
      detail: action.error ? `${action.detail}: ${action.error}` : action.detail,
    });
    if (action.outcome !== 'failed') done.add(actionKey(planned[i]));
  }
  return { records, done: [...done], retry: retryable };
}

/**
 * The workloads the cluster admitted with a rejected digest, and whether one was admitted within
 * `admission.protectAdmittedDays` (the planner's input: it reads nothing itself).
 */
async function admittedFacts(
  record: ImageRecord,
  ctx: EnforceContext,
): Promise<{ workloads: AdmittedImage[]; recently: boolean; days: number } | undefined> {
  if (!ctx.admitted || !isRejecting(record.decision)) return undefined;
  const days = ctx.config.admission.protectAdmittedDays;
  const workloads = await ctx.admitted.forDigest(record.digest);
  const since = Date.now() - days * 24 * 3600 * 1000;
  const recently = days > 0 && workloads.some((w) => Date.parse(w.admittedAt) >= since);
  return { workloads, recently, days };
}

/** No tag (a digest-only push) names nothing to derive a tag from; a moved tag is not ours to mark. */
async function tagStillNames(
  client: { headManifest(repository: string, reference: string): Promise<{ digest: string }> },
  data: EnforceJobData,
): Promise<boolean> {
  if (data.tag === undefined) return false;
  try {
    return (await client.headManifest(data.repository, data.tag)).digest === data.digest;
  } catch (error) {
    if (isPushgateError(error) && error.code === 'REGISTRY_NOT_FOUND') return false;
    throw error;
  }
}

function actionKey(action: { kind: string; detail?: string }): string {
  return action.detail ? `${action.kind} ${action.detail}` : action.kind;
}
