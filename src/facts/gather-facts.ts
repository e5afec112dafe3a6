import { isPushgateError, PushgateError, withContext } from '../errors.js';
import { formatPlatform } from '../oci/manifest.js';
import type { PlatformImage, ResolvedImage } from '../image/types.js';
import type { HistoryEntry } from '../oci/types.js';
import { LayerStack } from '../inspect/layer-stack.js';
import { ImageBudget } from '../inspect/image-budget.js';
import type { LayerInfo, WalkLimits } from '../inspect/types.js';
import { DEFAULT_WALK_LIMITS } from '../inspect/types.js';
import type { FactExtractor } from './extractor.js';
import { EXTRACTORS, isThreadable } from './extractors/index.js';
import type { ConfigSection, HistoryFact, ImageFacts, LayerFact } from './image-facts.js';
import type { CachedLayer, LayerCache } from './layer-cache.js';
import { layerCacheKey, MemoryLayerCache } from './layer-cache.js';
import { redactCreatedBy } from './mask-build-args.js';
import { scrubVariable } from '../secrets/scrub.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { layerThreadPool } from './layer-thread-pool.js';
import { readLayer } from './read-layer.js';
import { withScanHeapGrowth } from './scan-heap-growth.js';

/** Layers being read on this thread right now (by any image): one, the rest go to threads. */
let localReads = 0;
/**
 * A layer smaller than this is not worth starting a thread for (booting one costs about 100 ms of
 * CPU, more than reading a few megabytes): it is read here unless a thread is already running.
 */
const THREAD_MIN_BYTES = 16 * 1024 * 1024;

export interface LayerProgress {
  platform: string;
  layer: number;
  layerCount: number;
  digest: string;
  state: 'cached' | 'reading' | 'done';
  compressedBytes: number;
  uncompressedBytes: number;
  entries: number;
}

export interface GatherOptions {
  extractors?: readonly FactExtractor[];
  cache?: LayerCache;
  limits?: Partial<WalkLimits>;
  /** Layers read at once per image. Every gunzip holds a libuv pool thread, so keep this small. */
  concurrency?: number;
  /** Stops every layer walk (a scan's deadline); gatherFacts then fails with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (progress: LayerProgress) => void;
  /** Read layers in worker threads (default true; only when every extractor is a registered one). */
  threads?: boolean;
}

export interface PlatformFacts {
  platform: string;
  manifestDigest?: string;
  facts: ImageFacts;
  stats: { layersRead: number; layersCached: number; compressedBytesRead: number };
}

/**
 * Reads every layer of every platform once (layers shared between platforms or cached earlier are
 * not downloaded again) and builds one facts document per platform.
 */
export async function gatherFacts(
  image: ResolvedImage,
  options: GatherOptions = {},
): Promise<PlatformFacts[]> {
  const extractors = options.extractors ?? EXTRACTORS;
  const cache = options.cache ?? new MemoryLayerCache();
  const limits: WalkLimits = { ...DEFAULT_WALK_LIMITS, ...options.limits };
  const inFlight = new Map<string, Promise<CachedLayer>>();
  // Fewer full GCs while layers stream through (scan-heap-growth.ts): 5–10 % faster cold scans.
  return withScanHeapGrowth(async () => {
    const results: PlatformFacts[] = [];
    for (const platformImage of image.platforms) {
      results.push(await gatherPlatform(image, platformImage, extractors, cache, limits, inFlight, options));
    }
    return results;
  });
}

async function gatherPlatform(
  image: ResolvedImage,
  target: PlatformImage,
  extractors: readonly FactExtractor[],
  cache: LayerCache,
  limits: WalkLimits,
  inFlight: Map<string, Promise<CachedLayer>>,
  options: GatherOptions,
): Promise<PlatformFacts> {
  const platform = formatPlatform(target.platform);
  const layerHistory = historyByLayer(target.config.history ?? [], target.layers.length);
  const infos: LayerInfo[] = target.layers.map((layer, index) => ({
    index,
    digest: layer.descriptor.digest,
    ...(layer.diffId ? { diffId: layer.diffId } : {}),
    mediaType: layer.descriptor.mediaType,
    ...(layerHistory[index]?.created_by
      ? { createdBy: redactCreatedBy(layerHistory[index].created_by!) }
      : {}),
  }));
  // Checked before any layer is read: the walker never reads more of a blob than it declares.
  const declared = target.layers.reduce((sum, layer) => sum + layer.descriptor.size, 0);
  if (declared > limits.maxImageCompressedBytes) {
    throw imageLimitError(
      `${image.reference} (${platform}): layers of ${declared} bytes exceed`,
      limits,
      'maxImageCompressedBytes',
      { declared },
    );
  }
  const budget = new ImageBudget(limits.maxImageUncompressedBytes);
  const stats = { layersRead: 0, layersCached: 0, compressedBytesRead: 0 };

  // Layers are read in worker threads when a thread can make every extractor (a registered one, or
  // one made with options it carries); any other extractor list is read on this thread.
  const threaded = options.threads !== false && extractors.every(isThreadable);
  const concurrency = options.concurrency ?? 2;
  const pool = threaded && concurrency > 1 ? layerThreadPool(concurrency - 1) : undefined;
  const extractorSpecs = extractors.map((extractor) => ({
    id: extractor.id,
    ...(extractor.threadOptions === undefined ? {} : { options: extractor.threadOptions }),
  }));

  const readOne = async (index: number): Promise<CachedLayer> => {
    const info = infos[index];
    const descriptor = target.layers[index].descriptor;
    const progress = (p: { compressedBytes: number; uncompressedBytes: number; entries: number }): void =>
      options.onProgress?.({
        platform,
        layer: index,
        layerCount: infos.length,
        digest: info.digest,
        state: 'reading',
        ...p,
      });
    progress({ compressedBytes: 0, uncompressedBytes: 0, entries: 0 });
    const readOptions = {
      limits,
      budget,
      onProgress: progress,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    // This thread reads one layer itself; the others go to the pool's threads.
    let layer: CachedLayer;
    if (
      pool === undefined ||
      localReads === 0 ||
      (descriptor.size < THREAD_MIN_BYTES && pool.threads === 0)
    ) {
      localReads++;
      try {
        layer = await readLayer(await target.openLayer(index), { info, descriptor }, extractors, readOptions);
      } finally {
        localReads--;
      }
    } else {
      layer = await pool.read(
        () => target.openLayer(index),
        { info, descriptor },
        extractorSpecs,
        readOptions,
      );
    }
    const { walk, results } = layer;
    stats.layersRead++;
    stats.compressedBytesRead += walk.compressedSize;
    options.onProgress?.({
      platform,
      layer: index,
      layerCount: infos.length,
      digest: info.digest,
      state: 'done',
      compressedBytes: walk.compressedSize,
      uncompressedBytes: walk.uncompressedSize,
      entries: walk.entryCount,
    });
    return { walk, results };
  };

  // Largest blob first: the first layer started is read on this thread, which needs no thread
  // start-up and posts no bytes to one, and the rest go to threads as they free up (longest first
  // also gives the shortest finish). Go image: 2.02 → 1.83 s median, 0.29 s less CPU (issue 16).
  const order = infos
    .map((info) => info.index)
    .sort((a, b) => target.layers[b].descriptor.size - target.layers[a].descriptor.size || a - b);
  const inOrder = await mapWithConcurrency(order, concurrency, async (index) => {
    const info = infos[index];
    const key = layerCacheKey(info.digest, info.diffId, extractors);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const cached = await cache.get(key);
    if (cached) {
      stats.layersCached++;
      if (budget.take(cached.walk.uncompressedSize) < 0) {
        throw imageLimitError(
          `${image.reference} (${platform}): layer ${info.index} (${info.digest}) with the layers read before it exceeds`,
          limits,
          'maxImageUncompressedBytes',
        );
      }
      options.onProgress?.({
        platform,
        layer: info.index,
        layerCount: infos.length,
        digest: info.digest,
        state: 'cached',
        compressedBytes: cached.walk.compressedSize,
        uncompressedBytes: cached.walk.uncompressedSize,
        entries: cached.walk.entryCount,
      });
      return cached;
    }
    const work = readOne(info.index).then(
      async (value) => {
        await cache.set(key, value);
        return value;
      },
      (err: unknown) => {
        // An aborted walk fails with AbortError; the deadline's own error says why.
        if (options.signal?.aborted && isPushgateError(options.signal.reason)) throw options.signal.reason;
        throw withContext(`layer ${info.index} (${info.digest}) of ${platform}`, err);
      },
    );
    inFlight.set(key, work);
    try {
      return await work;
    } finally {
      inFlight.delete(key);
    }
  });
  const layers = new Array<CachedLayer>(infos.length);
  order.forEach((index, k) => (layers[index] = inOrder[k]));

  const stack = new LayerStack(layers.map((layer) => layer.walk.table));
  const facts: ImageFacts = {
    image: {
      reference: image.reference,
      source: image.source,
      ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
      ...(target.manifestDigest ? { manifestDigest: target.manifestDigest } : {}),
      configDigest: target.configDigest,
      platform,
      ...(target.config.created ? { created: target.config.created } : {}),
      labels: Object.fromEntries(
        Object.entries(target.config.config?.Labels ?? {}).map(([name, value]) => [
          name,
          scrubVariable(name, value),
        ]),
      ),
      annotations: { ...(target.annotations ?? {}) },
    },
    config: configSection(target),
    history: historyFacts(target.config.history ?? [], target.layers.length),
    layers: layers.map((layer, index): LayerFact => ({
      index,
      digest: infos[index].digest,
      ...(infos[index].diffId ? { diffId: infos[index].diffId } : {}),
      mediaType: infos[index].mediaType,
      compressedSize: layer.walk.compressedSize,
      uncompressedSize: layer.walk.uncompressedSize,
      fileCount: layer.walk.entryCount,
      bytesAdded: stack.bytesAdded(index),
      bytesRemoved: stack.bytesRemoved(index),
      ...(infos[index].createdBy ? { createdBy: infos[index].createdBy } : {}),
      warnings: layer.walk.warnings,
    })),
    totals: {
      layerCount: layers.length,
      compressedSize: layers.reduce((sum, l) => sum + l.walk.compressedSize, 0),
      uncompressedSize: layers.reduce((sum, l) => sum + l.walk.uncompressedSize, 0),
      fileCount: stack.finalFileCount,
      finalBytes: stack.finalBytes,
      wastedBytes: stack.wastedBytes,
    },
  };
  for (const extractor of extractors) {
    const section = extractor.assemble({
      config: target.config,
      layers: layers.map((layer, index) => ({ info: infos[index], result: layer.results[extractor.id] })),
      stack,
      facts,
    });
    Object.assign(facts, section);
  }
  return {
    platform,
    ...(target.manifestDigest ? { manifestDigest: target.manifestDigest } : {}),
    facts,
    stats,
  };
}

/** An image over one of its size limits, saying how to raise it (both map to limits.maxImageBytes). */
function imageLimitError(
  what: string,
  limits: WalkLimits,
  limit: 'maxImageCompressedBytes' | 'maxImageUncompressedBytes',
  details: Record<string, unknown> = {},
): PushgateError {
  return new PushgateError(
    'LAYER_LIMIT',
    `${what} ${limit} (${limits[limit]}); raise limits.maxImageBytes (pushgate scan: --max-image-bytes)`,
    { details: { limit, value: limits[limit], ...details } },
  );
}

/** The history entry that produced each layer: non-empty entries map to layers in order. */
function historyByLayer(history: HistoryEntry[], layerCount: number): Array<HistoryEntry | undefined> {
  const producing = history.filter((entry) => entry.empty_layer !== true);
  // A history that does not account for every layer cannot be aligned reliably.
  if (producing.length !== layerCount) return [];
  return producing;
}

function historyFacts(history: HistoryEntry[], layerCount: number): HistoryFact[] {
  const aligned = history.filter((entry) => entry.empty_layer !== true).length === layerCount;
  let layer = 0;
  return history.map((entry, index) => {
    const emptyLayer = entry.empty_layer === true;
    const layerIndex = emptyLayer || !aligned ? null : layer++;
    return {
      index,
      createdBy: redactCreatedBy(entry.created_by ?? ''),
      ...(entry.created ? { created: entry.created } : {}),
      ...(entry.comment ? { comment: entry.comment } : {}),
      emptyLayer,
      layerIndex,
    };
  });
}

function configSection(target: PlatformImage): ConfigSection {
  const c = target.config.config ?? {};
  const seconds = (ns: number | undefined): number | undefined => (ns === undefined ? undefined : ns / 1e9);
  const hc = c.Healthcheck;
  const test = hc?.Test ?? [];
  return {
    user: c.User && c.User !== '' ? c.User : null,
    env: (c.Env ?? []).map((pair) => pair.split('=', 1)[0]),
    entrypoint: c.Entrypoint ?? null,
    cmd: c.Cmd ?? null,
    exposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    volumes: Object.keys(c.Volumes ?? {}).sort(),
    workdir: c.WorkingDir && c.WorkingDir !== '' ? c.WorkingDir : null,
    stopSignal: c.StopSignal && c.StopSignal !== '' ? c.StopSignal : null,
    healthcheck:
      hc && test.length > 0
        ? {
            test,
            disabled: test[0] === 'NONE',
            ...(hc.Interval ? { intervalSeconds: seconds(hc.Interval) } : {}),
            ...(hc.Timeout ? { timeoutSeconds: seconds(hc.Timeout) } : {}),
            ...(hc.StartPeriod ? { startPeriodSeconds: seconds(hc.StartPeriod) } : {}),
            ...(hc.Retries !== undefined ? { retries: hc.Retries } : {}),
          }
        : null,
  };
}

export function assertHasPlatforms(image: ResolvedImage): void {
  if (image.platforms.length === 0) {
    throw new PushgateError('PLATFORM_NOT_FOUND', `${image.reference} holds no runnable image`);
  }
}
