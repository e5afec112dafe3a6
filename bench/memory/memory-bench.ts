/**
 * The memory-under-concurrency benchmark (issue 16): peak memory of a `pushgate worker` process
 * tree (the worker and the sandboxed inspector processes BullMQ forks, one per concurrent job) with
 * inspectConcurrency 1, 2 and 4, each concurrent job a cold scan of a large image (bench/scan's
 * layers, cut from this machine's files); and Redis memory per 10,000 stored images, facts
 * included, written through the real stores. Prints recommended Kubernetes requests/limits.
 *
 *   npm run bench:memory [-- --concurrency 1,2,4 --image usr=usr/lib,usr/share,usr/bin:640:6 --records 10000]
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { auditOf } from '../../src/pipeline/image-record.js';
import { INSPECT_QUEUE } from '../../src/queue/job-types.js';
import { toInspectJob } from '../../src/queue/to-inspect-job.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { FactsStore } from '../../src/store/facts-store.js';
import { VerdictStore } from '../../src/store/verdict-store.js';
import { pushImage } from '../../test/support/image-builder.js';
import { REPO_ROOT } from '../../test/support/pushgate-service.js';
import { startRedis } from '../../test/support/redis.js';
import { startRegistry } from '../../test/support/registry.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { buildLayer, type BuiltLayer } from '../scan/build-layer.js';
import { planLayers } from '../scan/plan-layers.js';
import { pushBenchImage, type PushLayer } from '../scan/push-bench-image.js';
import { processMemory, processTree, sampleTreeMemory } from '../support/process-tree.js';
import { smallImage } from '../support/small-image.js';
import { benchConfig, openQueues, runtimeName, startWorker } from '../support/worker-stack.js';

const MiB = 1024 * 1024;
/** The scan bench's build salt: the same plan reuses its cached layer blobs in bench/.work. */
const BUILD_SALT = (gzipLevel: number): string => `v1;gzip-${gzipLevel}`;
const DEFAULT_CONCURRENCY = 1; // config.schema.json workers.inspectConcurrency
const PRESETS = [
  // bench/scan's image: ELF libraries, binaries, many small files (6 layers, ~760 MiB).
  'usr=usr/lib,usr/share,usr/bin:640:6',
  // Go-toolchain-like: the Debian Go toolchain's sources, packages and tools (many small text files).
  'go=usr/share/go-1.19,usr/lib/go-1.19:440:6',
];

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,2,4' },
    image: { type: 'string', multiple: true, default: PRESETS },
    records: { type: 'string', default: '10000' },
    'gzip-level': { type: 'string', default: '6' },
    work: { type: 'string', default: join(REPO_ROOT, 'bench', '.work') },
  },
});
const CONCURRENCIES = values.concurrency.split(',').map(Number);
const RECORDS = Number(values.records);
const GZIP_LEVEL = Number(values['gzip-level']);
const WORK = resolve(values.work);

interface ImageSpec {
  name: string;
  roots: string[];
  sizeMiB: number;
  layers: number;
}

function parseImage(text: string): ImageSpec {
  const match = /^([a-z0-9-]+)=([^:]+):(\d+):(\d+)$/.exec(text);
  if (!match) throw new Error(`--image must be name=root,root:sizeMiB:layers, got "${text}"`);
  return { name: match[1], roots: match[2].split(','), sizeMiB: Number(match[3]), layers: Number(match[4]) };
}

/**
 * An empty gzip member whose header carries `copy` as its mtime: appended to a layer blob it leaves
 * the tar (and the diffId) unchanged but gives the blob a digest of its own, so concurrent jobs on
 * copies of one image each do a cold scan (the layer cache is keyed by blob digest).
 */
function emptyGzipMember(copy: number): Buffer {
  const member = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  member.writeUInt32LE(copy + 1, 4);
  return member;
}

/** The layers of `copies` distinct copies of one image: each blob with its copy's tail appended. */
async function copiesOf(layers: BuiltLayer[], copies: number): Promise<PushLayer[][]> {
  const result: PushLayer[][] = Array.from({ length: copies }, () => []);
  for (const layer of layers) {
    const hashes = result.map(() => createHash('sha256'));
    for await (const chunk of createReadStream(layer.file)) for (const h of hashes) h.update(chunk as Buffer);
    for (const [copy, hash] of hashes.entries()) {
      const tail = emptyGzipMember(copy);
      hash.update(tail);
      result[copy].push({
        ...layer,
        tail,
        size: layer.size + tail.length,
        digest: `sha256:${hash.digest('hex')}`,
      });
    }
  }
  return result;
}

interface Pushed {
  repository: string;
  digest: string;
}

interface MemoryRun {
  concurrency: number;
  idleRssBytes: number;
  peakRssBytes: number;
  peakPssBytes: number;
  hwmSumBytes: number;
  parentHwmBytes: number;
  sandboxHwmBytes: number;
  processes: number;
  scanSeconds: number[];
  prefix: string;
}

const line = (text = ''): void => void process.stdout.write(`${text}\n`);
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;

const redis = await startRedis({ appendOnly: false });
const registry = await startRegistry();
const dir = await tempDir('pushgate-bench-memory-');
const redisClient = new Redis(redis.url);

/** Runs one worker with `concurrency` and one job per image in `images`, all at once. */
async function measure(concurrency: number, images: Pushed[]): Promise<MemoryRun> {
  const cfg = await benchConfig(dir.path, redis.url, registry.url, concurrency);
  const queues = openQueues(redis.url, cfg.prefix);
  const worker = await startWorker(cfg.path);
  const pid = worker.child.pid!;
  try {
    const idle = processTree(pid).reduce((n, p) => n + processMemory(p).rssBytes, 0);
    const sampler = sampleTreeMemory(pid, 100);
    const jobs = images.map((image) =>
      toInspectJob(
        {
          source: 'distribution',
          registry: 'local',
          repository: image.repository,
          digest: image.digest,
          tag: 'v1',
          receivedAt: new Date().toISOString(),
        },
        { policySetVersion: 'bench', eventKey: cfg.prefix },
      ),
    );
    await queues.inspect.addBulk(jobs.map((j) => ({ name: INSPECT_QUEUE, data: j.data, opts: j.opts })));
    await queues.settled(images.length, 30 * 60_000);
    // VmHWM of each process before the tree exits: their sum bounds the tree's peak from above.
    const tree = processTree(pid).map(processMemory);
    const peak = sampler.stop();
    const done = await Promise.all(jobs.map((j) => queues.inspect.getJob(j.opts.jobId)));
    return {
      concurrency,
      idleRssBytes: idle,
      peakRssBytes: peak.rssBytes,
      peakPssBytes: peak.pssBytes,
      hwmSumBytes: tree.reduce((n, p) => n + p.hwmBytes, 0),
      parentHwmBytes: tree[0].hwmBytes,
      sandboxHwmBytes: Math.max(0, ...tree.slice(1).map((p) => p.hwmBytes)),
      processes: peak.processes,
      scanSeconds: done.map((j) => ((j?.finishedOn ?? NaN) - (j?.processedOn ?? NaN)) / 1000),
      prefix: cfg.prefix,
    };
  } finally {
    await worker.terminate();
    await queues.close();
  }
}

/** Bytes of Redis memory one stored image takes: its record, facts and audit entry, ×`count`. */
async function redisPerImage(fromPrefix: string, digest: string, count: number): Promise<number> {
  const store = new VerdictStore(redisClient, fromPrefix);
  const record = await store.get(digest);
  const facts = await new FactsStore(redisClient, fromPrefix).get(digest);
  if (!record || !facts) throw new Error(`no stored record and facts for ${digest} under ${fromPrefix}`);
  const prefix = `${fromPrefix}-copies`;
  const copies = new VerdictStore(redisClient, prefix);
  const factsCopies = new FactsStore(redisClient, prefix);
  const audit = new AuditLog(redisClient, prefix);
  const usedMemory = async (): Promise<number> =>
    Number(/used_memory:(\d+)/.exec(await redisClient.info('memory'))![1]);
  const before = await usedMemory();
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, async (_, k) => {
        const n = i + k;
        const copyDigest = `sha256:${createHash('sha256').update(`${digest}/${n}`).digest('hex')}`;
        const repository = `bench/app${n % 100}`;
        const copy = { ...record, digest: copyDigest, repository, evaluatedAt: new Date().toISOString() };
        await factsCopies.put(
          copyDigest,
          facts.map((f) => ({ ...f, digest: copyDigest })),
        );
        await copies.put(copy);
        const data = { ...copy, source: 'distribution' as const, receivedAt: copy.evaluatedAt, tag: 'v1' };
        await audit.append(auditOf(copy, data));
      }),
    );
  }
  return ((await usedMemory()) - before) / count;
}

/** Redis memory of the layer-cache entries under `prefix` (MEMORY USAGE of each key). */
async function layerCacheBytes(prefix: string): Promise<number> {
  let total = 0;
  for await (const keys of redisClient.scanStream({ match: `${prefix}:layer:*`, count: 1000 })) {
    for (const key of keys as string[]) total += Number(await redisClient.memory('USAGE', key));
  }
  return total;
}

try {
  await mkdir(WORK, { recursive: true });
  line(`pushgate memory bench — ${new Date().toISOString()}`);
  line(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mib(totalmem())} RAM, node ${process.version}; pushgate: ${runtimeName()}`,
  );
  line(
    `load average at the start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const copies = Math.max(...CONCURRENCIES);

  // A small image first: the worker's memory for a few-MB scan, and a typical record for Redis.
  const small = await smallImage('memory bench', 5);
  const smallPushed = await pushImage({ url: registry.url, repository: 'bench/small', tag: 'v1' }, small);
  const smallRun = await measure(1, [{ repository: 'bench/small', digest: smallPushed.digest }]);
  line(
    `small image (5 MiB, 3 layers), concurrency 1: idle ${mib(smallRun.idleRssBytes)}, peak tree RSS ${mib(smallRun.peakRssBytes)}, PSS ${mib(smallRun.peakPssBytes)}`,
  );
  const redisFigures: Array<{ name: string; bytes: number; layerCacheBytes: number }> = [
    {
      name: 'small image',
      bytes: await redisPerImage(smallRun.prefix, smallPushed.digest, RECORDS),
      layerCacheBytes: await layerCacheBytes(smallRun.prefix),
    },
  ];

  const runs: Array<{ image: string; run: MemoryRun }> = [];
  for (const spec of values.image.map(parseImage)) {
    const plan = planLayers({
      roots: spec.roots,
      layerCount: spec.layers,
      totalBytes: spec.sizeMiB * MiB,
      buildSalt: BUILD_SALT(GZIP_LEVEL),
    });
    const t = performance.now();
    const layers: BuiltLayer[] = [];
    for (const planned of plan) layers.push(await buildLayer(planned, WORK, GZIP_LEVEL));
    const tarBytes = layers.reduce((n, l) => n + l.tarSize, 0);
    const images: Pushed[] = [];
    for (const [copy, copyLayers] of (await copiesOf(layers, copies)).entries()) {
      const repository = `bench/${spec.name}-${copy}`;
      const { manifestDigest } = await pushBenchImage(registry.url, repository, 'v1', copyLayers);
      images.push({ repository, digest: manifestDigest });
    }
    line();
    line(
      `image ${spec.name} (/${spec.roots.join(', /')}): ${layers.length} layers, ${mib(tarBytes)} uncompressed,` +
        ` ${layers.reduce((n, l) => n + l.entries, 0)} entries; ${copies} copies with distinct blob digests` +
        ` built/pushed in ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );
    for (const concurrency of CONCURRENCIES) {
      const run = await measure(concurrency, images.slice(0, concurrency));
      runs.push({ image: spec.name, run });
      line(
        `  inspectConcurrency ${concurrency}: peak tree RSS ${mib(run.peakRssBytes)} (PSS ${mib(run.peakPssBytes)}),` +
          ` Σ VmHWM ${mib(run.hwmSumBytes)} over ${run.processes} processes (worker ${mib(run.parentHwmBytes)},` +
          ` largest sandbox ${mib(run.sandboxHwmBytes)}); idle ${mib(run.idleRssBytes)};` +
          ` scans ${run.scanSeconds.map((s) => s.toFixed(1)).join(', ')} s`,
      );
    }
    const last = runs.at(-1)!.run;
    redisFigures.push({
      name: `${spec.name} image`,
      bytes: await redisPerImage(last.prefix, images[0].digest, RECORDS),
      layerCacheBytes: (await layerCacheBytes(last.prefix)) / last.concurrency,
    });
  }

  line();
  line(`Redis memory per stored image (record + facts + audit entry, through the stores; INFO used_memory):`);
  for (const { name, bytes, layerCacheBytes } of redisFigures) {
    line(
      `  ${name}: ${(bytes / 1024).toFixed(1)} KiB per image, ${mib(bytes * 10_000)} per 10,000 images;` +
        ` plus its layers in the layer cache (shared by images with the same layers, 30-day TTL): ${(layerCacheBytes / 1024).toFixed(0)} KiB`,
    );
  }

  line();
  line(
    `recommended worker resources (tree RSS peak over the images, × 1.5 for the limit, rounded up to 64 MiB):`,
  );
  const round64 = (bytes: number): number => Math.ceil(bytes / (64 * MiB)) * 64;
  for (const concurrency of CONCURRENCIES) {
    const peak = Math.max(
      ...runs.filter((r) => r.run.concurrency === concurrency).map((r) => r.run.peakRssBytes),
    );
    line(
      `  inspectConcurrency ${concurrency}${concurrency === DEFAULT_CONCURRENCY ? ' (default)' : ''}: peak ${mib(peak)}` +
        ` → requests.memory ${round64(peak)}Mi, limits.memory ${round64(peak * 1.5)}Mi`,
    );
  }
  line(
    `load average at the end: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
} finally {
  redisClient.disconnect();
  await registry.stop();
  await redis.stop();
  await dir.remove();
}
