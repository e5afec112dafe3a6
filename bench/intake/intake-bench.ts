/**
 * The intake benchmark (issue 5 §7): autocannon against `POST /hooks/distribution` of a real
 * `pushgate serve` (auth, parse, Redis tag set, BullMQ add) with a real Redis, beside a bare
 * Express handler answering 202, both measured in this run on this machine, each in its own
 * process. Every request carries a distinct digest, so every one enqueues a job.
 * Targets: pushgate ≥ 60 % of the bare throughput, p99 ≤ 50 ms. A miss is printed, not an exit code.
 *
 *   npm run bench:intake [-- --seconds 10 --connections 10 --profile DIR]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../../test/support/ports.js';
import { writeServiceConfig } from '../../test/support/pushgate-service.js';
import { startRedis } from '../../test/support/redis.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { waitFor } from '../../test/support/wait-for.js';
import { distributionPushEvent } from '../support/distribution-event.js';
import { startProcess } from '../support/start-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = option('seconds', 10);
const CONNECTIONS = option('connections', 10);
const TOKEN = 'bench-webhook-token';
const profileIndex = args.indexOf('--profile');
/** `--profile DIR`: write a V8 CPU profile of the pushgate process there (open it in Chrome DevTools). */
const PROFILE_DIR = profileIndex >= 0 ? args[profileIndex + 1] : undefined;

function event(): string {
  return distributionPushEvent(
    'prod/bench',
    `sha256:${randomBytes(32).toString('hex')}`,
    'v1',
    '127.0.0.1:5000',
  );
}

async function run(url: string): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/hooks/distribution`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: {
      'content-type': 'application/vnd.docker.distribution.events.v1+json',
      authorization: `Bearer ${TOKEN}`,
    },
    requests: [{ setupRequest: (request) => ({ ...request, body: event() }) }],
  });
}

/** The pid of the redis-server listening on `port` (for its CPU figure). */
function redisPidOf(port: number): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-f', `redis-server 127.0.0.1:${port}`], { encoding: 'utf8' });
    return Number(out.trim().split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/**
 * Runs `measure` and reports how much CPU `pid` used per request meanwhile, and this process
 * (autocannon, the load generator: both servers share the two cores with it).
 */
async function withCpu(pid: number | undefined, measure: () => Promise<autocannon.Result>) {
  const before = cpuSeconds(pid);
  const client = process.cpuUsage();
  const result = await measure();
  const used = cpuSeconds(pid) - before;
  const clientUsed = process.cpuUsage(client);
  const requests = Math.max(result.requests.total, 1);
  return {
    result,
    cpuMsPerRequest: (used * 1000) / requests,
    clientMsPerRequest: (clientUsed.user + clientUsed.system) / 1000 / requests,
  };
}

function describe(name: string, result: autocannon.Result): string {
  const non2xx = result.non2xx + result.errors + result.timeouts;
  return `${name.padEnd(18)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   non-2xx/errors ${non2xx}`;
}

const redis = await startRedis();
const dir = await tempDir('pushgate-bench-intake-');
const children: ChildProcess[] = [];
try {
  const barePort = await freePort();
  const bareServer = await startProcess(
    ['--import', 'tsx', join(ROOT, 'bench/intake/bare-server.ts'), String(barePort)],
    /ready/,
  );
  children.push(bareServer);
  const redisPid = redisPidOf(redis.port);
  const cfg = await writeServiceConfig({
    dir: dir.path,
    redisUrl: redis.url,
    registryUrl: 'http://127.0.0.1:5000',
    webhookToken: TOKEN,
    extra: { log: { level: 'error' } },
  });
  const profile = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const server = spawn(
    process.execPath,
    [...profile, join(ROOT, 'bin/pushgate.js'), 'serve', '--config', cfg.path],
    {
      cwd: ROOT,
      env: { ...process.env, PUSHGATE_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(server);
  const pushgateUrl = `http://127.0.0.1:${cfg.port}`;
  await waitFor('pushgate to answer', async () => (await fetch(`${pushgateUrl}/healthz`)).ok);

  // Warm both (JIT, connection pools), then measure: bare first, pushgate second, bare again.
  await autocannon({
    url: `http://127.0.0.1:${barePort}/hooks/distribution`,
    method: 'POST',
    duration: 2,
    connections: CONNECTIONS,
    body: event(),
  });
  await run(pushgateUrl);
  const bareRun = await withCpu(bareServer.pid, () => run(`http://127.0.0.1:${barePort}`));
  const redisBefore = cpuSeconds(redisPid);
  const pushgateRun = await withCpu(server.pid, () => run(pushgateUrl));
  const redisMsPerRequest =
    ((cpuSeconds(redisPid) - redisBefore) * 1000) / Math.max(pushgateRun.result.requests.total, 1);
  const bareAgain = await run(`http://127.0.0.1:${barePort}`);
  const bare = bareRun.result;
  const pushgate = pushgateRun.result;
  const bareRps = (bare.requests.average + bareAgain.requests.average) / 2;
  const ratio = pushgate.requests.average / bareRps;
  console.log(
    `intake benchmark: ${SECONDS} s × ${CONNECTIONS} connections per run, distinct digest per request`,
  );
  console.log(describe('bare express 202', bare));
  console.log(describe('pushgate', pushgate));
  console.log(describe('bare express 202', bareAgain));
  console.log(
    `throughput ratio pushgate / bare (mean of both bare runs): ${ratio.toFixed(2)}  target ≥ 0.60  ${ratio >= 0.6 ? 'PASS' : 'MISS'}`,
  );
  console.log(
    `CPU per request: bare ${bareRun.cpuMsPerRequest.toFixed(3)} ms, pushgate ${pushgateRun.cpuMsPerRequest.toFixed(3)} ms + redis ${redisMsPerRequest.toFixed(3)} ms; autocannon ${bareRun.clientMsPerRequest.toFixed(3)} / ${pushgateRun.clientMsPerRequest.toFixed(3)} ms`,
  );
  console.log(
    `pushgate p99: ${pushgate.latency.p99} ms  target ≤ 50 ms  ${pushgate.latency.p99 <= 50 ? 'PASS' : 'MISS'}`,
  );
  if (pushgate.non2xx > 0 || pushgate.errors > 0)
    console.log(`WARNING: pushgate answered ${pushgate.non2xx} non-2xx and ${pushgate.errors} errors`);
} finally {
  await Promise.all(
    children.map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
  await redis.stop();
  await dir.remove();
}
