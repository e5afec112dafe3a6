/**
 * The admission benchmark (issue 11): autocannon over HTTPS keep-alive against
 * `POST /admission/validate` of a real `pushgate start` (real Redis, a real CNCF registry, an image
 * pushed there and judged by the real worker), beside a bare `node:https` handler answering a fixed
 * AdmissionReview, both measured in this run on this machine, each in its own process.
 *
 * - warm: the same Pod review again and again (tag resolved and judgement cached, as for the pods
 *   of a rollout): bare → pushgate → bare at a fixed 200 req/s, then both unthrottled for the
 *   throughput ratio. Target: pushgate p99 ≤ 10 ms at 200 req/s.
 * - cold: every review names a tag pushgate has never resolved (a second registry holding the same
 *   image under many tags, which notifies no one): one HEAD to the registry, the stored facts read
 *   from Redis and the policies evaluated, per request. Its p99 is printed, without a target.
 * A miss is printed, not an exit code.
 *
 *   npm run bench:admission [-- --seconds 10 --connections 10 --rate 200 --cold 1000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { parse, stringify } from 'yaml';
import { httpsRequest, podReview } from '../../test/integration/admission/admission-client.js';
import { buildImage, pushImage } from '../../test/support/image-builder.js';
import { freePort } from '../../test/support/ports.js';
import { startPushStack, waitForRecord } from '../../test/support/pushgate-service.js';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { pushManifest } from '../../test/support/registry-push.js';
import { fakeElf } from '../../test/support/seed-images.js';
import { createTestCa, issueServerPair } from '../../test/support/test-ca.js';
import { waitFor } from '../../test/support/wait-for.js';
import { startProcess } from '../support/start-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = option('seconds', 10);
const CONNECTIONS = option('connections', 10);
const RATE = option('rate', 200);
const COLD_REQUESTS = option('cold', 1000);
const TARGET_P99_MS = 10;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface Measured {
  result: autocannon.Result;
  cpuMsPerRequest: number;
  /** Exact percentiles of the 2xx response times, in ms (autocannon's histogram counts whole ms). */
  p50: number;
  p99: number;
  max: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(
  pid: number | undefined,
  url: string,
  options: { rate?: number; seconds?: number; amount?: number; body?: () => string },
): Promise<Measured> {
  const before = cpuSeconds(pid);
  const times: number[] = [];
  // Without a callback autocannon returns its event emitter made thenable (the types say Promise).
  const run = autocannon({
    url: `${url}/admission/validate`,
    method: 'POST',
    connections: CONNECTIONS,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds ?? SECONDS }),
    // autocannon's correction for coordinated omission assumes a request every `1 / rate` ms
    // rounded up to 1 ms, which turns each slow answer into a run of made-up ones: raw times here.
    ...(options.rate !== undefined ? { overallRate: options.rate, ignoreCoordinatedOmission: true } : {}),
    headers: { 'content-type': 'application/json' },
    ...(options.body
      ? { requests: [{ setupRequest: (request) => ({ ...request, body: options.body!() }) }] }
      : { body: WARM_BODY }),
  }) as Promise<autocannon.Result> & Pick<NodeJS.EventEmitter, 'on'>;
  run.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  const result = await run;
  const used = cpuSeconds(pid) - before;
  times.sort((a, b) => a - b);
  return {
    result,
    cpuMsPerRequest: (used * 1000) / Math.max(result.requests.total, 1),
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: times.at(-1) ?? NaN,
  };
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;

function describe(name: string, run: Measured): string {
  const { result } = run;
  const failed = result.non2xx + result.errors + result.timeouts;
  return `${name.padEnd(26)} ${result.requests.average.toFixed(0).padStart(6)} req/s   p50 ${ms(run.p50)}   p99 ${ms(run.p99)}   max ${ms(run.max)}   CPU ${run.cpuMsPerRequest.toFixed(3)} ms/req   non-2xx/errors ${failed}`;
}

/** Pushes the manifest of an already pushed image under `count` more tags, a few at a time. */
async function pushTags(
  registry: TestRegistry,
  repository: string,
  manifest: Buffer,
  mediaType: string,
  count: number,
) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await pushManifest(registry, repository, `cold-${i}`, manifest, mediaType);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

let WARM_BODY = '';

const stack = await startPushStack({ extra: { log: { level: 'error' } } });
const coldRegistry = await startRegistry();
const children: ChildProcess[] = [];
try {
  const ca = await createTestCa(join(stack.dir, 'ca'));
  const pair = await issueServerPair(ca, join(stack.dir, 'server'), 'admission');
  const admissionPort = await freePort();
  const document = parse(await readFile(stack.cfg.path, 'utf8')) as Record<string, unknown>;
  document.registries = [...(document.registries as unknown[]), { name: 'cold', url: coldRegistry.url }];
  document.admission = {
    enabled: true,
    host: '127.0.0.1',
    port: admissionPort,
    tls: { certFile: pair.certFile, keyFile: pair.keyFile },
  };
  await writeFile(stack.cfg.path, stringify(document));

  const barePort = await freePort();
  const bare = await startProcess(
    [
      '--import',
      'tsx',
      join(ROOT, 'bench/admission/bare-server.ts'),
      String(barePort),
      pair.certFile,
      pair.keyFile,
    ],
    /ready/,
  );
  children.push(bare);
  const pushgate = spawn(
    process.execPath,
    [join(ROOT, 'bin/pushgate.js'), 'start', '--config', stack.cfg.path],
    {
      cwd: ROOT,
      env: { ...process.env, PUSHGATE_CONFIG: '', PUSHGATE_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(pushgate);
  const serviceUrl = `http://127.0.0.1:${stack.cfg.port}`;
  const pushgateUrl = `https://127.0.0.1:${admissionPort}`;
  const bareUrl = `https://127.0.0.1:${barePort}`;
  await waitFor('pushgate to answer', async () => (await fetch(`${serviceUrl}/healthz`)).ok, 30_000);

  // One image the default policies pass (with a healthcheck warning), judged by the real worker.
  const image = await buildImage({
    layers: [{ files: [{ path: 'app/server', content: fakeElf('server'), mode: 0o755 }] }],
    config: { User: '65532:65532', Entrypoint: ['/app/server'] },
  });
  const { digest } = await pushImage({ url: stack.registry.url, repository: 'prod/api', tag: '1' }, image);
  await waitForRecord(serviceUrl, stack.cfg.apiToken, digest);
  // The same image in the cold registry under many tags; its facts are stored by digest already.
  await pushImage({ url: coldRegistry.url, repository: 'prod/api', tag: 'seed' }, image);
  await pushTags(
    coldRegistry,
    'prod/api',
    image.manifest.data,
    image.manifest.mediaType,
    COLD_REQUESTS + 200,
  );

  const review = (imageRef: string): string =>
    JSON.stringify(
      podReview({
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web', namespace: 'team-a' },
          spec: { containers: [{ name: 'app', image: imageRef }] },
        },
      }),
    );
  WARM_BODY = review(`${stack.registry.host}/prod/api:1`);
  const first = await httpsRequest(pushgateUrl, {
    ca: ca.cert,
    path: '/admission/validate',
    body: WARM_BODY,
    headers: { 'Content-Type': 'application/json' },
  });
  const firstAnswer = (first.json as { response?: { allowed?: boolean; status?: { message?: string } } })
    .response;
  if (firstAnswer?.allowed !== true) {
    throw new Error(`the warm review was not allowed: ${first.status} ${first.text.slice(0, 500)}`);
  }

  // Warm both (JIT, TLS sessions, caches), then bare → pushgate → bare at the fixed rate.
  await measure(bare.pid, bareUrl, { seconds: 2 });
  await measure(pushgate.pid, pushgateUrl, { seconds: 2 });
  const bareRun = await measure(bare.pid, bareUrl, { rate: RATE });
  const pushgateRun = await measure(pushgate.pid, pushgateUrl, { rate: RATE });
  const bareAgain = await measure(bare.pid, bareUrl, { rate: RATE });
  // Unthrottled, for the throughput each can reach on this machine.
  const bareMax = await measure(bare.pid, bareUrl, { seconds: Math.max(3, SECONDS / 2) });
  const pushgateMax = await measure(pushgate.pid, pushgateUrl, { seconds: Math.max(3, SECONDS / 2) });

  let tag = 0;
  const coldRun = await measure(pushgate.pid, pushgateUrl, {
    rate: RATE,
    amount: COLD_REQUESTS,
    body: () => review(`${coldRegistry.host}/prod/api:cold-${tag++}`),
  });

  const metrics = await (await fetch(`${serviceUrl}/metrics`)).text();
  const resolutions = /pushgate_admission_tag_resolutions_total\{result="resolved"\} (\d+)/.exec(
    metrics,
  )?.[1];

  const bareRate = (bareRun.result.requests.average + bareAgain.result.requests.average) / 2;
  const p99 = pushgateRun.p99;
  console.log(
    `admission benchmark: ${SECONDS} s × ${CONNECTIONS} connections per run, HTTPS keep-alive, fixed rate ${RATE} req/s (autocannon overallRate)`,
  );
  console.log(describe(`bare https @${RATE}`, bareRun));
  console.log(describe(`pushgate warm @${RATE}`, pushgateRun));
  console.log(describe(`bare https @${RATE}`, bareAgain));
  console.log(describe('bare https unthrottled', bareMax));
  console.log(describe('pushgate warm unthrottled', pushgateMax));
  console.log(describe(`pushgate cold @${RATE}`, coldRun));
  console.log(
    `throughput ratio pushgate / bare at ${RATE} req/s: ${(pushgateRun.result.requests.average / bareRate).toFixed(2)}; unthrottled: ${(pushgateMax.result.requests.average / bareMax.result.requests.average).toFixed(2)}`,
  );
  console.log(
    `latency pushgate vs bare at ${RATE} req/s: p50 ${ms(pushgateRun.p50)} vs ${ms(bareRun.p50)}, p99 ${ms(p99)} vs ${ms(bareRun.p99)}`,
  );
  console.log(
    `cold (a fresh tag per review: HEAD to the registry, facts from Redis, policies evaluated): ${coldRun.result.requests.total} reviews, p50 ${ms(coldRun.p50)}, p99 ${ms(coldRun.p99)}${resolutions ? `; tag resolutions counted by pushgate: ${resolutions}` : ''}`,
  );
  console.log(
    `pushgate warm p99 at ${RATE} req/s: ${ms(p99)}  target ≤ ${TARGET_P99_MS} ms  ${p99 <= TARGET_P99_MS ? 'PASS' : 'MISS'}`,
  );
  for (const [name, run] of [
    ['warm', pushgateRun],
    ['cold', coldRun],
  ] as const) {
    const failed = run.result.non2xx + run.result.errors + run.result.timeouts;
    if (failed > 0) console.log(`WARNING: pushgate ${name}: ${failed} non-2xx answers, errors or timeouts`);
  }
} finally {
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null) return Promise.resolve();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
  await coldRegistry.stop();
  await stack.stop();
}
