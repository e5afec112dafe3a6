import { isUnjudgeable, type PushgateError } from '../errors.js';
import type { InspectJobData } from '../queue/job-types.js';
import { auditOf, failureRecord } from './image-record.js';
import { queueEnforcement, type Attempt, type InspectContext } from './inspect-context.js';

/**
 * A final failure still leaves a record, so the API and admission can say why, and is enforced
 * like any verdict. Under `policies.onError: fail-closed` an image that cannot be judged (an image
 * fault, or an unexpected exception while reading it: `isUnjudgeable`) is rejected with the reason
 * UNJUDGED; the registry action for it is `enforcement.rejectUnjudged`. Infrastructure faults
 * (Redis, the registry, credentials, configuration) record `error` and change nothing. A failed
 * forced re-scan does not replace a verdict the image already had.
 */
export async function recordFailure(
  ctx: InspectContext,
  data: InspectJobData,
  digest: string | undefined,
  error: PushgateError,
  scanMs: number,
  attempt: Attempt,
): Promise<void> {
  ctx.logger.warn(
    { registry: data.registry, repository: data.repository, digest, code: error.code, err: error.message },
    'inspection failed',
  );
  if (digest === undefined) return;
  const existing = await ctx.store.get(digest, { registry: data.registry, repository: data.repository });
  if (data.force && existing && existing.decision !== 'error') return;
  const record = failureRecord(
    {
      registry: data.registry,
      registryHost: ctx.clients.config(data.registry).host,
      repository: data.repository,
      digest,
      tags: await ctx.store.tags(data.registry, data.repository, digest),
      policySetVersion: ctx.policySet.version,
      scanMs,
    },
    error,
    ctx.config.policies.onError === 'fail-closed' && isUnjudgeable(error),
  );
  await ctx.store.put(record);
  await ctx.audit.append(auditOf(record, data));
  await queueEnforcement(ctx, record, data, attempt, 'verdict');
}
