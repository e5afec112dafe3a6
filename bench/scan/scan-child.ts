/**
 * One scan (and optionally a warm rescan) in a fresh process, so its peak RSS is the scan's alone.
 * Usage: node --import tsx bench/scan/scan-child.ts REFERENCE cold|cold+warm all|none
 * Prints one line `SCAN-RESULT {json}` on stdout.
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { FactExtractor } from '../../src/facts/extractor.js';
import type { PlatformFacts } from '../../src/facts/gather-facts.js';
import type { MemoryLayerCache } from '../../src/facts/layer-cache.js';
import type { ResolvedImage } from '../../src/image/types.js';

/**
 * The code under test: the compiled modules in dist/ (what `pushgate` runs once built) unless
 * PUSHGATE_BENCH_SOURCE=1 asks for the TypeScript sources through tsx.
 */
const root = process.env.PUSHGATE_BENCH_SOURCE === '1' ? '../../src' : '../../dist/src';
const { gatherFacts } = (await import(
  `${root}/facts/gather-facts.js`
)) as typeof import('../../src/facts/gather-facts.js');
const { MemoryLayerCache: Cache } = (await import(
  `${root}/facts/layer-cache.js`
)) as typeof import('../../src/facts/layer-cache.js');
const { openImageSource } = (await import(
  `${root}/image/open-image-source.js`
)) as typeof import('../../src/image/open-image-source.js');
const { EXTRACTORS } = (await import(
  `${root}/facts/extractors/index.js`
)) as typeof import('../../src/facts/extractors/index.js');

export interface ScanRun {
  ms: number;
  /** User+system CPU time of the whole process (all threads) during the scan. */
  cpuMs: number;
  /** Calls to `openLayer`: each one is a layer download. */
  layerOpens: number;
  layersRead: number;
  layersCached: number;
  compressedBytesRead: number;
  uncompressedBytes: number;
  fileCount: number;
  /** Peak RSS of this process so far, in bytes. */
  maxRssBytes: number;
}

export interface ScanChildResult {
  reference: string;
  extractors: string[];
  /** RSS after loading the code, before the first scan: what the runtime costs on its own. */
  idleRssBytes: number;
  cold: ScanRun;
  warm?: ScanRun;
}

function countLayerOpens(image: ResolvedImage, counter: { opens: number }): void {
  for (const platform of image.platforms) {
    const open = platform.openLayer.bind(platform);
    platform.openLayer = (index: number) => {
      counter.opens++;
      return open(index);
    };
  }
}

async function scanOnce(
  reference: string,
  cache: MemoryLayerCache,
  extractors: readonly FactExtractor[] | undefined,
): Promise<ScanRun> {
  const counter = { opens: 0 };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const source = await openImageSource(reference, { plainHttp: true });
  let facts: PlatformFacts[];
  try {
    const image = await source.resolve();
    countLayerOpens(image, counter);
    facts = await gatherFacts(image, {
      cache,
      ...(extractors ? { extractors } : {}),
      ...(process.env.PUSHGATE_BENCH_THREADS === '0' ? { threads: false } : {}),
    });
  } finally {
    await source.close();
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const sum = (pick: (f: PlatformFacts) => number): number => facts.reduce((total, f) => total + pick(f), 0);
  return {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    layerOpens: counter.opens,
    layersRead: sum((f) => f.stats.layersRead),
    layersCached: sum((f) => f.stats.layersCached),
    compressedBytesRead: sum((f) => f.stats.compressedBytesRead),
    uncompressedBytes: sum((f) => f.facts.totals.uncompressedSize),
    fileCount: sum((f) => f.facts.totals.fileCount),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/** Tells the parent the cold scan is over and waits until it has read the registry's access log. */
async function handshake(): Promise<void> {
  process.stdout.write('COLD-DONE\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
  process.stdin.destroy();
}

async function main(): Promise<void> {
  const [reference, mode, which] = process.argv.slice(2);
  if (!reference || (mode !== 'cold' && mode !== 'cold+warm') || (which !== 'all' && which !== 'none')) {
    throw new Error('usage: scan-child.ts REFERENCE cold|cold+warm all|none');
  }
  const extractors = which === 'none' ? [] : undefined;
  const idleRssBytes = process.memoryUsage().rss;
  const cache = new Cache();
  const cold = await scanOnce(reference, cache, extractors);
  if (mode === 'cold+warm' && process.env.PUSHGATE_BENCH_SYNC === '1') await handshake();
  const warm = mode === 'cold+warm' ? await scanOnce(reference, cache, extractors) : undefined;
  const result: ScanChildResult = {
    reference,
    extractors: (extractors ?? EXTRACTORS).map((e) => e.id),
    idleRssBytes,
    cold,
    ...(warm ? { warm } : {}),
  };
  process.stdout.write(`SCAN-RESULT ${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string; stack?: string };
  process.stderr.write(
    `scan failed: ${e.code ? `[${e.code}] ` : ''}${e.stack ?? e.message ?? String(err)}\n`,
  );
  process.exit(1);
});
