/**
 * The end-to-end benchmark (issue 5 §7): a 5 MB image pushed through the registry API to a real
 * CNCF registry whose notifications point at a real `pushgate start` (HTTP + BullMQ workers with
 * their sandboxed inspector, real Redis), timed until its verdict is applied (the reject's delete
 * recorded). The baseline, measured in the same run, is the push itself.
 * Target: verdict applied ≤ 2 s after the push. A miss is printed, not an exit code.
 *
 *   npm run bench:e2e [-- --runs 5]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pushImage } from '../../test/support/image-builder.js';
import { startPushStack } from '../../test/support/pushgate-service.js';
import { waitFor } from '../../test/support/wait-for.js';
import { smallImage } from '../support/small-image.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const runsIndex = args.indexOf('--runs');
const RUNS = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 5;
const TARGET_MS = 2000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const { registry, cfg, stop } = await startPushStack({ extra: { log: { level: 'error' } } });
const port = cfg.port;
const pushgate = spawn(process.execPath, [join(ROOT, 'bin/pushgate.js'), 'start', '--config', cfg.path], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
try {
  await waitFor('pushgate to answer', async () => (await fetch(`${url}/readyz`)).ok);
  const pushMs: number[] = [];
  const afterPushMs: number[] = [];
  const totalMs: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const built = await smallImage(`run ${run}`);
    const size = built.layers.reduce((n, l) => n + l.size, 0) + built.config.size;
    const start = performance.now();
    const { digest } = await pushImage({ url: registry.url, repository: `prod/e2e${run}`, tag: 'v1' }, built);
    const pushed = performance.now();
    await waitFor(
      `the verdict of run ${run} applied`,
      async () => {
        const response = await fetch(`${url}/api/v1/images/${digest}`, {
          headers: { authorization: `Bearer ${cfg.apiToken}` },
        });
        if (response.status !== 200) {
          await response.body?.cancel();
          return false;
        }
        const record = (await response.json()) as { actions: Array<{ kind: string; outcome: string }> };
        return record.actions.some((a) => a.kind === 'delete' && a.outcome === 'done');
      },
      60_000,
    );
    const applied = performance.now();
    // Run 0 warms the sandboxed inspector (process start, policy compile): reported, not counted.
    const line = `run ${run}${run === 0 ? ' (warm-up)' : ''}: ${(size / 1e6).toFixed(1)} MB, push ${(pushed - start).toFixed(0)} ms, verdict applied ${(applied - pushed).toFixed(0)} ms after the push (${(applied - start).toFixed(0)} ms from its start)`;
    console.log(line);
    if (run === 0) continue;
    pushMs.push(pushed - start);
    afterPushMs.push(applied - pushed);
    totalMs.push(applied - start);
  }
  const m = median(afterPushMs);
  console.log(
    `median of ${RUNS}: push ${median(pushMs).toFixed(0)} ms (baseline), verdict applied ${m.toFixed(0)} ms after the push, ${median(totalMs).toFixed(0)} ms from push start`,
  );
  console.log(`ratio (push → applied) / push: ${(m / median(pushMs)).toFixed(2)}`);
  console.log(
    `verdict applied ≤ ${TARGET_MS} ms after the push: ${m <= TARGET_MS ? 'PASS' : 'MISS'} (worst ${Math.max(...afterPushMs).toFixed(0)} ms)`,
  );
} finally {
  pushgate.kill('SIGTERM');
  await new Promise((r) => pushgate.once('exit', r));
  await stop();
}
