/**
 * The scale-out benchmark (issue 16): 40 distinct few-MB images in a real CNCF registry, their push
 * events posted to a real `pushgate serve`, inspected by one or two `pushgate worker` processes on
 * one Redis. Every run checks that each job was done exactly once and none was lost, and prints
 * scans per minute. Configurations, interleaved over `--rounds`:
 *
 *   one × C    one worker process, inspectConcurrency C
 *   one × 2C   one worker process, inspectConcurrency 2C
 *   two × C    two worker processes, inspectConcurrency C each
 *
 * Targets (see bench/README.md for which is the headline and why):
 *   same total concurrency: two × C ≥ 0.9 × one × 2C   (what coordinating two processes costs)
 *   same per-process concurrency: two × C ≥ 0.9 × 2 × one × C   (needs a free core per process)
 * A miss is printed, not an exit code.
 *
 *   npm run bench:scale [-- --images 40 --mib 5 --concurrency 1 --rounds 2]
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Job } from 'bullmq';
import { pushImage } from '../../test/support/image-builder.js';
import { spawnService, type ChildService } from '../../test/support/pushgate-service.js';
import { startRedis } from '../../test/support/redis.js';
import { startRegistry } from '../../test/support/registry.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { waitFor } from '../../test/support/wait-for.js';
import { DISTRIBUTION_CONTENT_TYPE, distributionPushEvent } from '../support/distribution-event.js';
import { processMemory, treeCpuMs } from '../support/process-tree.js';
import { smallImage } from '../support/small-image.js';
import { benchConfig, openQueues, runtimeName, startWorker } from '../support/worker-stack.js';

const TARGET = 0.9;

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '40' },
    mib: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
  },
});
const IMAGES = Number(values.images);
const DATA_MIB = Number(values.mib);
const C = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

interface Pushed {
  repository: string;
  digest: string;
}

interface Shape {
  name: string;
  processes: number;
  concurrency: number;
}

interface RunResult {
  shape: Shape;
  scansPerMinute: number;
  wallMs: number;
  /** CPU of the worker processes and their sandboxes during the measured batch, per scan. */
  cpuMsPerScan: number;
  /** Jobs each worker process ran (BullMQ's processedBy). */
  perProcess: number[];
  /** Peak RSS (VmHWM) of the `pushgate serve` process that took the 40 + warm-up events. */
  serveHwmBytes: number;
  problems: string[];
}

const line = (text = ''): void => void process.stdout.write(`${text}\n`);
// Each service the test helper spawns adds an exit listener (it kills its group when we exit).
process.setMaxListeners(50);

const redis = await startRedis({ appendOnly: false });
const registry = await startRegistry();
const dir = await tempDir('pushgate-bench-scale-');

/** Pushes `count` distinct images to `repository-<i>`. */
async function pushImages(prefix: string, count: number): Promise<Pushed[]> {
  const pushed: Pushed[] = [];
  for (let i = 0; i < count; i++) {
    const repository = `${prefix}${i}`;
    const built = await smallImage(`${prefix} ${i}`, DATA_MIB);
    const { digest } = await pushImage({ url: registry.url, repository, tag: 'v1' }, built);
    pushed.push({ repository, digest });
  }
  return pushed;
}

/** Posts one push event per image to the real webhook; returns the job id intake answered with. */
async function postEvents(hookUrl: string, token: string, images: Pushed[]): Promise<string[]> {
  const ids: string[] = [];
  for (const image of images) {
    const response = await fetch(hookUrl, {
      method: 'POST',
      headers: { 'content-type': DISTRIBUTION_CONTENT_TYPE, authorization: `Bearer ${token}` },
      body: distributionPushEvent(image.repository, image.digest, 'v1', registry.host),
    });
    const answer = (await response.json()) as { jobs?: string[] };
    if (response.status !== 202 || answer.jobs?.length !== 1)
      throw new Error(`webhook answered ${response.status} ${JSON.stringify(answer)}`);
    ids.push(answer.jobs[0]);
  }
  return ids;
}

async function measure(shape: Shape, warmup: Pushed[], images: Pushed[]): Promise<RunResult> {
  const cfg = await benchConfig(dir.path, redis.url, registry.url, shape.concurrency);
  const queues = openQueues(redis.url, cfg.prefix);
  const api = `http://127.0.0.1:${cfg.port}`;
  const services: ChildService[] = [];
  const problems: string[] = [];
  try {
    const serve = spawnService('serve', cfg.path);
    services.push(serve);
    await waitFor('pushgate serve to answer', async () => (await fetch(`${api}/readyz`)).ok, 60_000);
    for (let p = 0; p < shape.processes; p++) services.push(await startWorker(cfg.path));
    const workers = services.slice(1);

    // Warm-up: enough jobs for every sandbox of every process to fork and load its policies.
    const slots = shape.processes * shape.concurrency;
    await postEvents(cfg.hookUrl, cfg.webhookToken, warmup.slice(0, 2 * slots));
    await queues.settled(2 * slots, 120_000);

    const cpuBefore = workers.map((w) => treeCpuMs(w.child.pid!));
    const started = performance.now();
    const ids = await postEvents(cfg.hookUrl, cfg.webhookToken, images);
    await queues.settled(2 * slots + images.length, 600_000);
    const wallMs = performance.now() - started;
    const cpuMs = workers.reduce((n, w, i) => n + treeCpuMs(w.child.pid!) - cpuBefore[i], 0);
    const serveHwmBytes = processMemory(serve.child.pid!).hwmBytes;

    // Exactly once, none lost: every job answered by intake completed on its first attempt, never
    // stalled, and every image has exactly one stored verdict and one verdict in the audit log.
    if (new Set(ids).size !== images.length)
      problems.push(`intake answered ${new Set(ids).size} distinct job ids`);
    const jobs = await Promise.all(ids.map((id) => queues.inspect.getJob(id)));
    const byProcess = new Map<string, number>();
    for (const [i, job] of jobs.entries()) {
      if (job === undefined) {
        problems.push(`job ${ids[i]} is gone`);
        continue;
      }
      const state = await job.getState();
      const result = job.returnvalue as { outcome?: string } | undefined;
      if (state !== 'completed' || result?.outcome !== 'inspected')
        problems.push(`job ${job.id}: ${state}, ${JSON.stringify(result)}`);
      if (job.attemptsStarted !== 1 || job.stalledCounter !== 0)
        problems.push(`job ${job.id}: started ${job.attemptsStarted} times, stalled ${job.stalledCounter}`);
      byProcess.set(job.processedBy ?? '?', (byProcess.get(job.processedBy ?? '?') ?? 0) + 1);
    }
    const counts = await queues.inspect.getJobCounts();
    const expected = { completed: 2 * slots + images.length };
    for (const [state, n] of Object.entries(counts)) {
      const want = state === 'completed' ? expected.completed : 0;
      if (n !== want) problems.push(`inspect queue: ${n} ${state}, expected ${want}`);
    }
    await checkRecords(api, cfg.apiToken, images, problems);
    const firstAdded = Math.min(...jobs.map((j: Job | undefined) => j?.timestamp ?? Infinity));
    const lastDone = Math.max(...jobs.map((j: Job | undefined) => j?.finishedOn ?? 0));
    const queueMs = lastDone - firstAdded;
    const perProcess = [...byProcess.values()].sort((a, b) => b - a);
    if (perProcess.length !== shape.processes)
      problems.push(`jobs ran in ${perProcess.length} processes, expected ${shape.processes}`);
    return {
      shape,
      scansPerMinute: (images.length * 60_000) / queueMs,
      wallMs,
      cpuMsPerScan: cpuMs / images.length,
      perProcess,
      serveHwmBytes,
      problems,
    };
  } finally {
    await Promise.all(services.map((s) => s.terminate()));
    await queues.close();
  }
}

/** One stored record with a decision per image, and exactly one verdict per image in the audit log. */
async function checkRecords(api: string, token: string, images: Pushed[], problems: string[]): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  for (const image of images) {
    const response = await fetch(`${api}/api/v1/images/${image.digest}`, { headers });
    const record = (await response.json()) as { decision?: string; actions?: Array<{ outcome: string }> };
    if (response.status !== 200 || record.decision === undefined)
      problems.push(`${image.repository}@${image.digest}: no stored verdict (${response.status})`);
    const audit = await fetch(`${api}/api/v1/audit?digest=${image.digest}&limit=100`, { headers });
    const entries = ((await audit.json()) as { entries: Array<{ type: string }> }).entries;
    const verdicts = entries.filter((e) => e.type === 'verdict').length;
    if (verdicts !== 1)
      problems.push(`${image.repository}@${image.digest}: ${verdicts} verdicts in the audit log`);
  }
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

try {
  line(`pushgate scale-out bench — ${new Date().toISOString()}`);
  line(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; pushgate: ${runtimeName()}`,
  );
  line(
    `load average at the start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const t = performance.now();
  const images = await pushImages('scale/img', IMAGES);
  const warmup = await pushImages('scale/warm', 4 * C);
  line(
    `pushed ${IMAGES} images (+${4 * C} for warm-up) of ~${DATA_MIB} MiB each, distinct data layers, in ${fmt((performance.now() - t) / 1000, 1)} s`,
  );
  const shapes: Shape[] = [
    { name: `one × ${C}`, processes: 1, concurrency: C },
    { name: `one × ${2 * C}`, processes: 1, concurrency: 2 * C },
    { name: `two × ${C}`, processes: 2, concurrency: C },
  ];
  const results: RunResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const shape of shapes) {
      const r = await measure(shape, warmup, images);
      results.push(r);
      line(
        `round ${round} ${shape.name.padEnd(8)}: ${fmt(r.scansPerMinute).padStart(5)} scans/min, ${IMAGES} scans in ${fmt(r.wallMs / 1000, 2)} s,` +
          ` CPU ${fmt(r.cpuMsPerScan)} ms/scan, jobs per process ${r.perProcess.join(' + ')},` +
          ` exactly once: ${r.problems.length === 0 ? 'yes' : `NO — ${r.problems.slice(0, 5).join('; ')}`}`,
      );
    }
  }
  const best = (name: string): RunResult =>
    results.filter((r) => r.shape.name === name).sort((a, b) => b.scansPerMinute - a.scansPerMinute)[0];
  const one = best(shapes[0].name);
  const oneDouble = best(shapes[1].name);
  const two = best(shapes[2].name);
  const allOnce = results.every((r) => r.problems.length === 0);
  line();
  line(
    `best of ${ROUNDS} (scans per minute): ${shapes.map((s) => `${s.name} ${fmt(best(s.name).scansPerMinute)}`).join(', ')}`,
  );
  line(
    `every job done exactly once, none lost, in all ${results.length} runs: ${allOnce ? 'PASS' : 'FAIL'}` +
      ` (${IMAGES} job ids from intake, each completed on its first attempt, never stalled, one stored verdict and one audit verdict per image)`,
  );
  const sameTotal = two.scansPerMinute / oneDouble.scansPerMinute;
  line(
    `same total concurrency ${2 * C}: two × ${C} / one × ${2 * C} = ${sameTotal.toFixed(2)}  [headline]  target ≥ ${TARGET} ${verdict(sameTotal >= TARGET)}` +
      `; CPU per scan ${fmt(two.cpuMsPerScan)} vs ${fmt(oneDouble.cpuMsPerScan)} ms (${(two.cpuMsPerScan / oneDouble.cpuMsPerScan).toFixed(2)} ×)`,
  );
  const ratio = two.scansPerMinute / one.scansPerMinute;
  line(
    `same per-process concurrency ${C}: two × ${C} / one × ${C} = ${ratio.toFixed(2)}, per-process efficiency ${(ratio / 2).toFixed(2)}` +
      `  target ≥ ${TARGET} ${verdict(ratio / 2 >= TARGET)} (meaningful only with a free core per process: this machine has ${cpus().length}, shared)`,
  );
  const median = (name: string): number => {
    const sorted = results
      .filter((r) => r.shape.name === name)
      .map((r) => r.scansPerMinute)
      .sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  line(
    `medians of ${ROUNDS} (for the spread; the ratios above use the best runs): two × ${C} / one × ${2 * C} = ${(median(shapes[2].name) / median(shapes[1].name)).toFixed(2)},` +
      ` two × ${C} / one × ${C} = ${(median(shapes[2].name) / median(shapes[0].name)).toFixed(2)}`,
  );
  const serveHwm = Math.max(...results.map((r) => r.serveHwmBytes));
  line(`pushgate serve peak RSS (VmHWM, highest of the runs): ${fmt(serveHwm / 1024 / 1024)} MiB`);
  line(
    `load average at the end: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await registry.stop();
  await redis.stop();
  await dir.remove();
}
