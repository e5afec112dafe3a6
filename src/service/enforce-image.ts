import { planActions } from '../actions/plan-actions.js';
import { runActions } from '../actions/run-actions.js';
import type { PushgateConfig } from '../config/types.js';
import { PushgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EnforceJobData } from '../queue/job-types.js';
import type { ActionRecord, AuditEntry, ImageRecord } from '../store/types.js';
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
}

export interface EnforceResult {
  records: ActionRecord[];
  /** Action kinds to skip on a retry (done already). */
  done: string[];
  /** Some action failed transiently: the job should be retried for the rest. */
  retry: boolean;
}

/** Plans and runs the actions for one stored verdict; every action is audited and counted. */
export async function enforceImage(data: EnforceJobData, ctx: EnforceContext): Promise<EnforceResult> {
  const record = await ctx.store.get(data.digest, { registry: data.registry, repository: data.repository });
  if (!record) {
    throw new PushgateError(
      'INTERNAL',
      `enforce ${data.repository}@${data.digest}: no verdict stored for this image`,
    );
  }
  const tags = new Set([
    ...record.tags,
    ...(await ctx.store.tags(data.registry, data.repository, data.digest)),
  ]);
  const withTags: ImageRecord = { ...record, tags: [...tags] };
  const done = new Set(data.done ?? []);
  const planned = planActions({
    record: withTags,
    policies: ctx.policySet.policies,
    enforcement: ctx.config.enforcement,
    registry: ctx.clients.config(data.registry),
  }).filter((action) => !done.has(actionKey(action)));

  const { records, retryable } = await runActions(planned, {
    client: ctx.clients.client(data.registry),
    dryRun: ctx.config.enforcement.dryRun,
    record: withTags,
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
      decision: record.decision,
      action: action.kind,
      outcome: action.outcome,
      detail: action.error ? `${action.detail}: ${action.error}` : action.detail,
    });
    if (action.outcome !== 'failed') done.add(actionKey(planned[i]));
  }
  return { records, done: [...done], retry: retryable };
}

function actionKey(action: { kind: string; detail?: string }): string {
  return action.detail ? `${action.kind} ${action.detail}` : action.kind;
}
