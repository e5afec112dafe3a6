import { PushgateError } from '../errors.js';
import type { InspectJobData } from '../queue/job-types.js';
import type { ImageRecord } from '../store/types.js';
import type { InspectContext } from './inspect-context.js';

/**
 * "Inspected once": every push of an image gets its own job, but only one job judges it. Takes the
 * image's inspection lock, or waits while another worker inspects it; `judged` carries the usable
 * verdict found before or after waiting.
 */
export async function acquireInspection(
  ctx: Pick<InspectContext, 'config' | 'lock' | 'store' | 'policySet'>,
  subject: string,
  data: InspectJobData,
  digest: string,
): Promise<{ judged: ImageRecord } | { release: () => Promise<void> }> {
  const deadline = Date.now() + ctx.config.limits.scanTimeoutMs + 60_000;
  for (;;) {
    const before = await judgedRecord(ctx, data, digest);
    if (before) return { judged: before };
    const release = await ctx.lock.acquire(subject, ctx.config.workers.lockDurationMs);
    if (release) {
      // The holder may have finished between our check and our acquire.
      let after: ImageRecord | undefined;
      try {
        after = await judgedRecord(ctx, data, digest);
      } catch (error) {
        // Redis failed here (a failover): let the lock go. Kept, its renewal would hold it for as
        // long as this process lives, and the retry of this very job would wait on it.
        await release().catch(() => undefined);
        throw error;
      }
      if (after) {
        await release();
        return { judged: after };
      }
      return { release };
    }
    if (Date.now() > deadline) {
      throw new PushgateError('SCAN_TIMEOUT', `${subject}: another inspection held the lock for too long`, {
        transient: true,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The verdict for this policy set that a new event need not redo (`error` and UNJUDGED are retried). */
async function judgedRecord(
  ctx: Pick<InspectContext, 'store' | 'policySet'>,
  data: InspectJobData,
  digest: string,
): Promise<ImageRecord | undefined> {
  if (data.force) return undefined;
  const existing = await ctx.store.get(digest, { registry: data.registry, repository: data.repository });
  return existing !== undefined &&
    existing.policySetVersion === ctx.policySet.version &&
    existing.decision !== 'error' &&
    existing.unjudged !== true
    ? existing
    : undefined;
}
