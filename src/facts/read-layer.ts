import type { Readable } from 'node:stream';
import type { ImageBudget } from '../inspect/image-budget.js';
import type { EntryConsumer, LayerInfo, WalkLimits } from '../inspect/types.js';
import type { Descriptor } from '../oci/types.js';
import { walkLayer, type WalkProgress } from '../inspect/walk-layer.js';
import type { FactExtractor } from './extractor.js';
import type { CachedLayer } from './layer-cache.js';

export interface ReadLayerOptions {
  limits: WalkLimits;
  budget: ImageBudget;
  signal?: AbortSignal;
  onProgress?: (progress: WalkProgress) => void;
  /** See WalkLayerOptions.digestCheckedBySource. */
  digestCheckedBySource?: boolean;
}

/**
 * Walks one layer blob once with every extractor's collector attached and returns what the layer
 * yields on its own (the walk's table and each extractor's per-layer result). The same function
 * runs on the calling thread and inside a layer thread (layer-thread.ts).
 */
export async function readLayer(
  stream: Readable,
  layer: { info: LayerInfo; descriptor: Descriptor },
  extractors: readonly FactExtractor[],
  options: ReadLayerOptions,
): Promise<CachedLayer> {
  const collectors = extractors.map((extractor) => extractor.collect(layer.info));
  const consumers: EntryConsumer[] = extractors.map((extractor, k) => {
    const collector = collectors[k];
    const consumer: EntryConsumer = {
      id: extractor.id,
      wants: (entry) => extractor.wants(entry),
      onEntry: (entry, content) => collector.onEntry(entry, content),
    };
    if (collector.onChunk !== undefined)
      consumer.onChunk = (entry, chunk) => collector.onChunk!(entry, chunk);
    return consumer;
  });
  const walk = await walkLayer(stream, layer, consumers, {
    limits: options.limits,
    imageBudget: options.budget,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.digestCheckedBySource === true ? { digestCheckedBySource: true } : {}),
  });
  const results: Record<string, unknown> = {};
  extractors.forEach((extractor, k) => (results[extractor.id] = collectors[k].finish()));
  return { walk, results };
}
