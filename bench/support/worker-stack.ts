import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { INSPECT_QUEUE, ENFORCE_QUEUE } from '../../src/queue/job-types.js';
import {
  REPO_ROOT,
  spawnService,
  writeServiceConfig,
  type ChildService,
  type ServiceConfigFile,
} from '../../test/support/pushgate-service.js';
import { waitFor } from '../../test/support/wait-for.js';

/** What `bin/pushgate.js` runs here: the compiled CLI when `npm run build` made one. */
export function runtimeName(): string {
  return existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))
    ? 'compiled (dist/)'
    : 'TypeScript sources through tsx (no dist/: `npm run build` first to measure the compiled CLI)';
}

/**
 * A config for one measured run: its own Redis prefix (fresh queues, no stored verdicts, an empty
 * layer cache: every scan is cold), the production lock and stall intervals (the test helper's
 * short ones make a busy 2-core machine look like dead workers), logs at info for the
 * "workers started" line, and a dry run.
 */
export function benchConfig(
  dir: string,
  redisUrl: string,
  registryUrl: string,
  inspectConcurrency: number,
): Promise<ServiceConfigFile> {
  return writeServiceConfig({
    dir,
    redisUrl,
    registryUrl,
    workers: { inspectConcurrency, lockDurationMs: 30_000, stalledIntervalMs: 30_000 },
    // Verdicts are enforced (planned, recorded) but nothing is deleted: the images serve every run.
    enforcement: { dryRun: true },
    extra: { log: { level: 'info' } },
  });
}

/** `pushgate worker` as its own process group, resolved once its workers listen on the queues. */
export async function startWorker(configPath: string): Promise<ChildService> {
  const worker = spawnService('worker', configPath);
  await waitFor(
    'pushgate worker to start its workers',
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`pushgate worker exited: ${worker.output()}`);
      return worker.output().includes('workers started');
    },
    60_000,
  );
  return worker;
}

/** Read access to one run's queues (job states, counts) under its prefix. */
export function openQueues(redisUrl: string, prefix: string) {
  const url = new URL(redisUrl);
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const inspect = new Queue(INSPECT_QUEUE, { connection, prefix });
  const enforce = new Queue(ENFORCE_QUEUE, { connection, prefix });
  return {
    inspect,
    enforce,
    /** Resolves once `count` inspect jobs and their enforcement are done; fails on a failed job. */
    async settled(count: number, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [i, e] = await Promise.all([
          inspect.getJobCounts('completed', 'failed'),
          enforce.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed'),
        ]);
        if (i.failed > 0 || e.failed > 0) {
          const [failed] = await inspect.getFailed(0, 0);
          throw new Error(
            `failed jobs: inspect ${i.failed}, enforce ${e.failed}${failed ? `: ${failed.failedReason}` : ''}`,
          );
        }
        if (i.completed >= count && e.waiting + e.active + e.delayed === 0) return;
        if (Date.now() > deadline) throw new Error(`${count} inspect jobs not done after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close(): Promise<void> {
      await Promise.all([inspect.close(), enforce.close()]);
    },
  };
}
