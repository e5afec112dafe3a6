import type { PushgateError } from '../errors.js';
import type { InspectJobData } from '../queue/job-types.js';
import { auditOf, failureRecord } from './image-record.js';
import { isManifestMissing } from './missing-manifest.js';
import { queueEnforcement, type Attempt, type InspectContext } from './inspect-context.js';

/**
 * A final failure still leaves a record, so the API and admission can say why, and is enforced
 * like any verdict — unless the manifest is not in the registry (`isManifestMissing`): then there
 * is nothing to act on. Under `policies.onError: fail-closed` an image that cannot be judged (an image
 * fault, or an unexpected exception while reading it: `isUnjudgeable`) is rejected with the reason
 * UNJUDGED; the registry action for it is `enforcement.rejectUnjudged`. Infrastructure faults
 * (Redis, the registry, credentials, configuration) record `error` and change nothing, and never
 * replace a verdict already stored for this policy set. A failed forced re-scan does not replace a
 * verdict the image already had. `unjudgeable` is `isUnjudgeable` of the error as it was thrown
 * (before context was added to it: a raw exception from Redis is not the image's).
 */
export async function recordFailure(
  ctx: InspectContext,
  data: InspectJobData,
  digest: string | undefined,
  error: PushgateError,
  unjudgeable: boolean,
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
  const unjudged = ctx.config.policies.onError === 'fail-closed' && unjudgeable;
  // An infrastructure fault never replaces a verdict for this policy set (e.g. the enforce queue
  // refused the job after the verdict was stored): the image was judged.
  if (
    !unjudged &&
    existing !== undefined &&
    existing.decision !== 'error' &&
    existing.unjudged !== true &&
    existing.policySetVersion === ctx.policySet.version
  ) {
    return;
  }
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
    unjudged,
  );
  await ctx.store.put(record);
  await ctx.facts.announce([digest]);
  await ctx.audit.append(auditOf(record, data));
  // Nothing in the registry to act on (see markManifestMissing): the record and audit say why.
  if (isManifestMissing(error)) return;
  await queueEnforcement(ctx, record, data, attempt, 'verdict');
}
