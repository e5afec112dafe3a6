/**
 * The scan benchmark (issue 2 §8): builds a large image from this machine's files, pushes it to a
 * local registry, and measures pushgate's registry scan against `gzip -dc` of the same blobs.
 * See bench/scan/README.md. Misses are printed, never turned into a failing exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseArgs } from 'node:util';
import { startBenchRegistry } from './bench-registry.js';
import type { BenchRegistry } from './bench-registry.js';
import { buildLayer } from './build-layer.js';
import type { BuiltLayer } from './build-layer.js';
import { SCAN_NODE_FLAGS, scanProcessEnv } from '../../src/node-flags.js';
import { gzipBaseline } from './gzip-baseline.js';
import { planLayers } from './plan-layers.js';
import { pushBenchImage } from './push-bench-image.js';
import type { ScanChildResult } from './scan-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');
const MiB = 1024 * 1024;
/** scan-child.ts as JavaScript, two levels below the repository like the original (its imports are relative). */
const CHILD_JS = join(REPO_ROOT, 'bench', '.work', 'scan-child.mjs');
/** Bump when the way layers are built changes: it invalidates the layer cache. */
const BUILD_VERSION = 1;

/**
 * The images the bench can cut from this machine's files. `usr`: ELF libraries, binaries and data
 * in six layers. `go`: like a single-stage Go build image (Debian plus `golang-go`): a base layer of
 * shared libraries and one layer dominated by ~12,000 small Go sources and the toolchain.
 */
const PRESETS = {
  usr: { size: '640', layers: '6', roots: 'usr/lib,usr/share,usr/bin' },
  go: {
    size: '820',
    layers: '2',
    roots: 'usr/lib/x86_64-linux-gnu+usr/bin,usr/share/go-1.19+usr/lib/go-1.19+usr/lib/gcc+usr/libexec',
  },
} as const;
type Preset = keyof typeof PRESETS;
/** Scan with the opt-in Node options of src/node-flags.ts rather than Node's defaults. */
const SCAN_OPTIONS = process.env.PUSHGATE_BENCH_SCAN_OPTIONS === '1';

const TARGETS = {
  coldVsGzip: 0.7,
  warmVsCold: 0.05,
  peakRssBytes: 256 * MiB,
  /** Full-size peak RSS over half-size peak RSS: "flat" allows this much growth for twice the data. */
  rssGrowth: 1.25,
};

interface Options {
  image: Preset;
  sizeMiB: number;
  layers: number;
  roots: string[];
  gzipLevel: number;
  workDir: string;
  repeat: number;
  /** Where the first cold scan with all extractors writes a V8 CPU profile (`--cpu-prof`). */
  profileDir?: string;
  /** Scan with the TypeScript sources through tsx instead of the compiled dist/. */
  source: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      image: { type: 'string', default: 'usr' },
      size: { type: 'string' },
      layers: { type: 'string' },
      roots: { type: 'string' },
      'gzip-level': { type: 'string', default: '6' },
      work: { type: 'string', default: join(REPO_ROOT, 'bench', '.work') },
      repeat: { type: 'string', default: '3' },
      profile: { type: 'string' },
      source: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: npm run bench:scan -- [--image usr|go] [--size MiB] [--layers N] [--roots usr/lib,usr/share,...] [--gzip-level 6] [--work DIR]',
        '  --image       preset: usr (default; 640 MiB, 6 layers from usr/lib,usr/share,usr/bin) or go (820 MiB, 2 layers:',
        '                shared libraries, then Go sources and toolchain, like Debian + golang-go); the options below override it',
        '  --size        uncompressed size of the full image in MiB (the half image is its first half of the layers)',
        '  --layers      layers in the full image (even, so the half image has half of them)',
        '  --roots       trees under / to cut layers from, round-robin; a+b walks a then b as one source',
        '  --gzip-level  gzip level of the layer blobs (default 6, as docker and buildkit use)',
        '  --work        work directory for the cached layer blobs (default bench/.work)',
        '  --source      scan with the TypeScript sources through tsx (default: the compiled dist/, built first)',
        '  --profile     write a V8 CPU profile of the first cold scan (all extractors) to this directory',
        '  --repeat      rounds of (gzip baseline, cold+warm scan, structural-only scan); best times count (default 3)',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be an integer ≥ ${min}, got "${text}"`);
    return n;
  };
  if (!(values.image in PRESETS)) throw new Error(`--image must be usr or go, got "${values.image}"`);
  const image = values.image as Preset;
  const preset = PRESETS[image];
  const roots = (values.roots ?? preset.roots).split(',').map((r) => r.trim().replace(/^\/+|\/+$/g, ''));
  for (const tree of roots.flatMap((root) => root.split('+'))) {
    if (tree === '' || !existsSync(join('/', tree))) throw new Error(`--roots: /${tree} does not exist`);
  }
  return {
    image,
    sizeMiB: int('size', values.size ?? preset.size, 1),
    layers: int('layers', values.layers ?? preset.layers, 2),
    roots,
    gzipLevel: int('gzip-level', values['gzip-level'], 1),
    workDir: resolve(values.work),
    repeat: int('repeat', values.repeat, 1),
    source: values.source,
    ...(values.profile === undefined ? {} : { profileDir: resolve(values.profile) }),
  };
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
const line = (text = ''): void => void process.stdout.write(`${text}\n`);

interface ChildOutcome {
  result?: ScanChildResult;
  error?: string;
  /** Peak RSS of the child as `/usr/bin/time -f %M` saw it, when that tool exists. */
  timeMaxRssBytes?: number;
  /** Layer blob GETs the registry served while the cold scan ran, and while the warm scan ran. */
  coldLayerGets: number;
  warmLayerGets: number;
}

/**
 * Runs bench/scan/scan-child.ts in a fresh process (under /usr/bin/time when present). Between its
 * cold and warm scans the child waits for a go-ahead so that the registry's access log can be split
 * exactly into what each scan downloaded.
 */
async function runScanChild(
  registry: BenchRegistry,
  reference: string,
  mode: 'cold' | 'cold+warm',
  extractors: 'all' | 'none',
  layerDigests: ReadonlySet<string>,
  workDir: string,
  profileDir: string | undefined,
  source: boolean,
): Promise<ChildOutcome> {
  const before = registry.blobGetIds(layerDigests);
  const layerGets = (): number =>
    [...registry.blobGetIds(layerDigests)].filter((id) => !before.has(id)).length;
  const timeFile = join(workDir, `time-${process.pid}.txt`);
  const useTime = existsSync('/usr/bin/time');
  const nodeArgs = [
    // Node's defaults, as pushgate runs; PUSHGATE_BENCH_SCAN_OPTIONS=1 adds the opt-in options.
    ...(SCAN_OPTIONS ? SCAN_NODE_FLAGS : []),
    ...(profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir]),
    ...(source ? ['--import', 'tsx', join(HERE, 'scan-child.ts')] : [CHILD_JS]),
    reference,
    mode,
    extractors,
  ];
  const [cmd, args] = useTime
    ? ['/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(cmd, args, {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...(SCAN_OPTIONS ? scanProcessEnv() : process.env),
      PUSHGATE_BENCH_SYNC: '1',
      PUSHGATE_BENCH_SOURCE: source ? '1' : '0',
    },
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    if (stderr.length < 20_000) stderr += c.toString();
  });
  let resultLine: string | undefined;
  let coldLayerGets = 0;
  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (text.startsWith('SCAN-RESULT ')) resultLine = text.slice('SCAN-RESULT '.length);
    else if (text === 'COLD-DONE') {
      // The access log line is written when the response ends; give the pipe a moment.
      setTimeout(() => {
        coldLayerGets = layerGets();
        child.stdin!.write('go\n');
      }, 300);
    }
  });
  const code = await new Promise<number>((done) => {
    child.once('error', (err) => {
      stderr += err.message;
      done(-1);
    });
    child.once('close', (c) => done(c ?? -1));
  });
  await new Promise((r) => setTimeout(r, 300));
  const total = layerGets();
  const outcome: ChildOutcome = {
    coldLayerGets: mode === 'cold' ? total : coldLayerGets,
    warmLayerGets: mode === 'cold' ? 0 : total - coldLayerGets,
  };
  if (useTime) {
    const kb = Number((await readFile(timeFile, 'utf8').catch(() => '')).trim().split('\n').pop());
    if (Number.isFinite(kb) && kb > 0) outcome.timeMaxRssBytes = kb * 1024;
    await rm(timeFile, { force: true });
  }
  if (code === 0 && resultLine) outcome.result = JSON.parse(resultLine) as ScanChildResult;
  else outcome.error = `exit ${code}: ${stderr.trim().split('\n').slice(-15).join('\n')}`;
  return outcome;
}

async function main(): Promise<void> {
  const options = parseOptions();
  await mkdir(options.workDir, { recursive: true });
  line(`pushgate scan bench — ${new Date().toISOString()} — image preset: ${options.image}`);
  line(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mib(totalmem())} RAM, node ${process.version}`,
  );
  line(
    `load average at the start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} (other processes skew the times)`,
  );
  line();

  // 0. The code under test.
  if (!options.source) {
    const t0 = performance.now();
    await new Promise<void>((done, fail) =>
      spawn('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' }).once(
        'close',
        (code) => (code === 0 ? done() : fail(new Error(`npm run build exited ${code}`))),
      ),
    );
    // The child runs as plain JavaScript too: no TypeScript loader in the measured process.
    const child = ts.transpileModule(await readFile(join(HERE, 'scan-child.ts'), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await mkdir(dirname(CHILD_JS), { recursive: true });
    await writeFile(CHILD_JS, child.outputText);
    line(
      `scanning with the compiled dist/ (npm run build: ${secs(performance.now() - t0)}), no tsx in the scanning process; --source for src/ through tsx`,
    );
  } else line('scanning with the TypeScript sources through tsx (--source)');
  line(
    SCAN_OPTIONS
      ? `node ${SCAN_NODE_FLAGS.join(' ')} with MALLOC_ARENA_MAX=${scanProcessEnv().MALLOC_ARENA_MAX ?? ''}: the opt-in options of src/node-flags.ts`
      : "node's default options, as pushgate runs (PUSHGATE_BENCH_SCAN_OPTIONS=1: the opt-in ones of src/node-flags.ts)",
  );

  // 1. Layers.
  let t = performance.now();
  const plan = planLayers({
    roots: options.roots,
    layerCount: options.layers,
    totalBytes: options.sizeMiB * MiB,
    buildSalt: `v${BUILD_VERSION};gzip-${options.gzipLevel}`,
  });
  const planMs = performance.now() - t;
  t = performance.now();
  const layers: BuiltLayer[] = [];
  for (const [i, planned] of plan.entries()) {
    const built = await buildLayer(planned, options.workDir, options.gzipLevel);
    layers.push(built);
    line(
      `layer ${i}: /${built.root} ${built.entries} entries, tar ${mib(built.tarSize)}, gzip ${mib(built.size)}` +
        ` ${built.cached ? '(cached from an earlier run)' : '(built)'}${built.tarWarnings ? `, ${built.tarWarnings} tar warnings` : ''}`,
    );
  }
  const buildMs = performance.now() - t;
  const half = layers.slice(0, Math.ceil(layers.length / 2));
  const sumTar = (ls: BuiltLayer[]): number => ls.reduce((s, l) => s + l.tarSize, 0);
  const sumGz = (ls: BuiltLayer[]): number => ls.reduce((s, l) => s + l.size, 0);
  const cachedCount = layers.filter((l) => l.cached).length;
  line(
    `full image: ${layers.length} layers, ${mib(sumTar(layers))} uncompressed, ${mib(sumGz(layers))} gzip` +
      ` (planned in ${secs(planMs)}; ${cachedCount}/${layers.length} layers reused from ${join(options.workDir, 'layers')}, build ${secs(buildMs)})`,
  );
  line(`half image: ${half.length} layers, ${mib(sumTar(half))} uncompressed, ${mib(sumGz(half))} gzip`);
  if (sumTar(layers) < 500 * 1e6)
    line(`note: the full image is below the 500 MB the issue asks for; raise --size`);

  // 2. Registry and push.
  const repository = `bench/${options.image}`;
  const registry = await startBenchRegistry();
  try {
    t = performance.now();
    await pushBenchImage(registry.url, repository, 'full', layers);
    await pushBenchImage(registry.url, repository, 'half', half);
    line(
      `pushed ${repository}:full and :half to docker-registry (test/support/registry.ts) at ${registry.url} in ${secs(performance.now() - t)}`,
    );
    line();

    // 3. Rounds of baseline and scans, interleaved so that load from other processes hits both sides.
    const files = layers.map((l) => l.file);
    await gzipBaseline(files, 2); // warms the page cache so neither side pays for the disk
    const reference = (tag: string): string => `${registry.host}/${repository}:${tag}`;
    const digests = new Set(layers.map((l) => l.digest));
    const rounds: Round[] = [];
    for (let i = 0; i < options.repeat; i++) {
      const seq = await gzipBaseline(files, 1);
      const par = await gzipBaseline(files, 2);
      const all = await runScanChild(
        registry,
        reference('full'),
        'cold+warm',
        'all',
        digests,
        options.workDir,
        i === 0 ? options.profileDir : undefined,
        options.source,
      );
      const structural = await runScanChild(
        registry,
        reference('full'),
        'cold',
        'none',
        digests,
        options.workDir,
        undefined,
        options.source,
      );
      const round: Round = {
        gzipSeqMs: seq.ms,
        gzipParMs: par.ms,
        ...(seq.cpuMs === undefined ? {} : { gzipCpuMs: seq.cpuMs }),
        all,
        structural,
      };
      rounds.push(round);
      line(roundLine(i, round));
    }
    const halfRun = await runScanChild(
      registry,
      reference('half'),
      'cold',
      'all',
      digests,
      options.workDir,
      undefined,
      options.source,
    );
    line();
    report(rounds, halfRun, layers.length, half.length);
    line(
      `load average at the end: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')} (${cpus().length} cores)`,
    );
  } finally {
    await registry.stop();
  }
}

interface Round {
  gzipSeqMs: number;
  gzipParMs: number;
  /** User+system CPU time of the sequential gzip run, when /usr/bin/time exists. */
  gzipCpuMs?: number;
  /** Full image, default extractors: cold then warm in one process. */
  all: ChildOutcome;
  /** Full image, `extractors: []`: cold only. */
  structural: ChildOutcome;
}

function roundLine(index: number, r: Round): string {
  const cold = r.all.result?.cold.ms;
  const structural = r.structural.result?.cold.ms;
  return (
    `round ${index + 1}: gzip -dc sequential ${secs(r.gzipSeqMs)}, 2 at once ${secs(r.gzipParMs)};` +
    ` scan cold ${cold === undefined ? 'FAILED' : `${secs(cold)} (${(cold / r.gzipSeqMs).toFixed(2)} × sequential)`},` +
    ` CPU scan ${r.all.result ? secs(r.all.result.cold.cpuMs) : '-'} / gzip ${r.gzipCpuMs === undefined ? '-' : secs(r.gzipCpuMs)},` +
    ` warm ${r.all.result?.warm ? secs(r.all.result.warm.ms) : 'FAILED'},` +
    ` structural only ${structural === undefined ? 'FAILED' : secs(structural)}`
  );
}

const min = (values: number[]): number => Math.min(...values);
const max = (values: number[]): number => Math.max(...values);

function report(rounds: Round[], halfRun: ChildOutcome, fullLayers: number, halfLayers: number): void {
  const failed = rounds.find((r) => !r.all.result);
  const gzipSeqMs = min(rounds.map((r) => r.gzipSeqMs));
  const gzipParMs = min(rounds.map((r) => r.gzipParMs));
  line(
    `gzip -dc baseline, best of ${rounds.length}: sequential ${secs(gzipSeqMs)}, 2 at once ${secs(gzipParMs)}`,
  );
  let fullPeak: number | undefined;
  let fullBytes = 0;
  if (failed) {
    line(`scan (full image, all extractors): FAILED — ${failed.all.error}`);
  } else {
    const runs = rounds.map((r) => r.all.result!);
    const coldMs = min(runs.map((r) => r.cold.ms));
    const first = runs[0];
    fullBytes = first.cold.uncompressedBytes;
    fullPeak = max(runs.map((r) => r.cold.maxRssBytes));
    const timePeak = max(rounds.map((r) => r.all.timeMaxRssBytes ?? 0));
    line(
      `cold scan, full image (extractors: ${first.extractors.join(', ') || 'none'}), best of ${runs.length}: ${secs(coldMs)},` +
        ` ${mib(fullBytes)} uncompressed (${(fullBytes / MiB / (coldMs / 1000)).toFixed(0)} MiB/s), ${first.cold.fileCount} files;` +
        ` layer blob GETs per cold scan: ${rounds.map((r) => r.all.coldLayerGets).join(', ')} for ${fullLayers} layers`,
    );
    line(
      `  vs gzip -dc sequential: ${(coldMs / gzipSeqMs).toFixed(2)} ×  [headline]  target ≤ ${TARGETS.coldVsGzip} × ` +
        verdict(coldMs <= TARGETS.coldVsGzip * gzipSeqMs),
    );
    line(
      `  vs gzip -dc 2 at once:  ${(coldMs / gzipParMs).toFixed(2)} ×  (the scan reads 2 layers at a time; for information)`,
    );
    const scanCpu = min(runs.map((r) => r.cold.cpuMs));
    const gzipCpus = rounds.flatMap((r) => (r.gzipCpuMs === undefined ? [] : [r.gzipCpuMs]));
    if (gzipCpus.length > 0) {
      const gzipCpu = min(gzipCpus);
      line(
        `  CPU time (user+system, least of the rounds; robust to other load): scan ${secs(scanCpu)}, gzip -dc ${secs(gzipCpu)}` +
          ` = ${(scanCpu / gzipCpu).toFixed(2)} × (registry CPU not included; for information)`,
      );
    }
    line(
      `  peak RSS (highest of ${runs.length}): ${mib(fullPeak)}` +
        ` (of which the idle process, node + the code loaded: ${mib(first.idleRssBytes)})` +
        `${timePeak ? `; /usr/bin/time %M: ${mib(timePeak)}` : ''}` +
        `  target ≤ ${mib(TARGETS.peakRssBytes)} ${verdict(fullPeak <= TARGETS.peakRssBytes)}`,
    );
    const warmRatio = max(runs.map((r) => (r.warm ? r.warm.ms / r.cold.ms : Infinity)));
    const warmMs = max(runs.map((r) => r.warm?.ms ?? Infinity));
    line(
      `warm scan (same process, in-memory layer cache), worst of ${runs.length}: ${secs(warmMs)}; warm/cold ≤ ${pct(warmRatio)}` +
        `  target ≤ ${pct(TARGETS.warmVsCold)} ${verdict(warmRatio <= TARGETS.warmVsCold)}`,
    );
    const warmGets = rounds.reduce((sum, r) => sum + r.all.warmLayerGets, 0);
    const warmOpens = runs.reduce((sum, r) => sum + (r.warm?.layerOpens ?? 0), 0);
    const warmCached = runs.map((r) => r.warm?.layersCached ?? 0);
    line(
      `  layer downloads during warm scans: registry layer-blob GETs ${warmGets}, openLayer calls ${warmOpens},` +
        ` layers served from cache ${warmCached.join(', ')} of ${fullLayers}  ` +
        verdict(warmGets === 0 && warmOpens === 0),
    );
  }
  const structuralFailed = rounds.find((r) => !r.structural.result);
  if (structuralFailed) {
    line(`structural-only scan: FAILED — ${structuralFailed.structural.error}`);
  } else if (!failed) {
    const structuralMs = min(rounds.map((r) => r.structural.result!.cold.ms));
    const allMs = min(rounds.map((r) => r.all.result!.cold.ms));
    const structuralPeak = max(rounds.map((r) => r.structural.result!.cold.maxRssBytes));
    line(
      `structural only (extractors: []), best of ${rounds.length}: cold ${secs(structuralMs)}, peak RSS ${mib(structuralPeak)};` +
        ` all extractors / structural only: ${(allMs / structuralMs).toFixed(2)} × time, ${(fullPeak! / structuralPeak).toFixed(2)} × peak RSS`,
    );
  }
  if (!halfRun.result) {
    line(`half-image scan: FAILED — ${halfRun.error}`);
  } else if (fullPeak !== undefined) {
    const h = halfRun.result.cold;
    const growth = fullPeak / h.maxRssBytes;
    line(
      `half image (${halfLayers} layers, ${mib(h.uncompressedBytes)}) cold: ${secs(h.ms)}, peak RSS ${mib(h.maxRssBytes)}` +
        `${halfRun.timeMaxRssBytes ? ` (/usr/bin/time %M: ${mib(halfRun.timeMaxRssBytes)})` : ''}`,
    );
    line(
      `  peak RSS full/half: ${growth.toFixed(2)} for ${(fullBytes / h.uncompressedBytes).toFixed(2)} × the data` +
        // One layer is read without a layer thread and two with one: that is not growth.
        (halfLayers < 2
          ? '  (flatness not judged: the half image is one layer, read on one thread)'
          : `  target ≤ ${TARGETS.rssGrowth} (flat) ${verdict(growth <= TARGETS.rssGrowth)}`) +
        ';' +
        ` both ≤ ${mib(TARGETS.peakRssBytes)} ${verdict(Math.max(fullPeak, h.maxRssBytes) <= TARGETS.peakRssBytes)}`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`scan bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
