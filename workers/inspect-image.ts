import { withSenderQuirks } from '../src/queue/sender-quirks.js';
import type { SandboxedJob } from 'bullmq';
import type { InspectJobData, InspectJobResult } from '../src/queue/job-types.js';
import { inspectImage } from '../src/pipeline/inspect-image.js';
import { toBullmqError } from './to-bullmq-error.js';
import { readResolvedConfig } from './worker-config.js';
import { createWorkerContext, type WorkerContext } from './worker-context.js';

let context: Promise<WorkerContext> | undefined;

// A forked sandbox whose parent died (even by SIGKILL) must not live on holding Redis connections
// and renewing an inspection lock: the IPC channel closing is the signal.
if (typeof process.send === 'function') {
  // The parent may have died while this module was still loading (the event is then past).
  if (!process.connected) process.exit(1);
  process.once('disconnect', () => process.exit(1));
}

/** The `inspect` queue's sandboxed processor: one context per sandbox, built on the first job. */
export default async function processInspectJob(
  job: SandboxedJob<InspectJobData>,
): Promise<InspectJobResult> {
  context ??= createWorkerContext(readResolvedConfig(process.env), { component: 'inspect' });
  const ctx = await context;
  const attempts = job.opts.attempts ?? 1;
  const number = job.attemptsMade + 1;
  try {
    return await inspectImage(withSenderQuirks(job.data), ctx, {
      jobId: String(job.id),
      number,
      last: number >= attempts,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SCAN_TIMEOUT') endAfterReporting();
    throw toBullmqError(error);
  }
}

/**
 * A timed-out inspection is still streaming layers in this sandbox: once the failure has been
 * reported, the sandbox ends itself (BullMQ starts a fresh one for the next job), which is what
 * actually stops the download and walk.
 */
function endAfterReporting(): void {
  setTimeout(() => process.exit(0), 500).unref();
}
