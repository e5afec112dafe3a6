import type { Job } from 'bullmq';
import type { EnforceJobData } from '../src/queue/job-types.js';
import { enforceImage, type EnforceContext } from '../src/pipeline/enforce-image.js';
import { PushgateError } from '../src/errors.js';

/**
 * The `enforce` queue's processor. It only talks to registries and Redis, so it runs in the
 * worker process itself. Actions done before a transient failure are remembered in the job's data,
 * so the retry runs only the rest (a tag is not pushed twice, a deleted manifest not deleted again).
 */
export function createEnforceProcessor(ctx: EnforceContext) {
  return async (job: Job<EnforceJobData>): Promise<{ actions: number }> => {
    const result = await enforceImage(job.data, ctx);
    if (result.retry) {
      await job.updateData({ ...job.data, done: result.done });
      throw new PushgateError(
        'REGISTRY_UNREACHABLE',
        `enforce ${job.data.repository}@${job.data.digest}: an action failed transiently; retrying the rest`,
        { transient: true },
      );
    }
    return { actions: result.records.length };
  };
}
