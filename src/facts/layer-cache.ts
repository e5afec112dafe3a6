import { createHash } from 'node:crypto';
import type { LayerWalkResult } from '../inspect/types.js';
import type { FactExtractor } from './extractor.js';

/** What one layer yields, independent of the image it sits in. */
export interface CachedLayer {
  walk: LayerWalkResult;
  /** Each extractor's per-layer result, by extractor id. */
  results: Record<string, unknown>;
}

export interface LayerCache {
  get(key: string): Promise<CachedLayer | undefined>;
  set(key: string, value: CachedLayer): Promise<void>;
}

/** Bump when the walker's table or warnings change shape: it invalidates every cached layer. */
export const WALKER_VERSION = 1;

/**
 * The cache key: the verified blob digest, the diff_id it was verified against (the walker checks
 * the uncompressed bytes against the diff_id the image's config gives), plus every extractor's id
 * and version, so a new extractor version invalidates exactly the layers it would read differently.
 * The diff_id is part of the key because a hit skips the walk: an image whose config gives the same
 * blob another diff_id must be read (and fail) rather than borrow a check made for another image.
 */
export function layerCacheKey(
  digest: string,
  diffId: string | undefined,
  extractors: readonly FactExtractor[],
): string {
  const versions = extractors
    .map((e) => `${e.id}@${e.version}`)
    .sort()
    .join(',');
  const hash = createHash('sha256')
    .update(`walker@${WALKER_VERSION};diff_id=${diffId ?? ''};${versions}`)
    .digest('hex')
    .slice(0, 16);
  return `${digest}:${hash}`;
}

/** A bounded in-process cache (least recently used entries go first). */
export class MemoryLayerCache implements LayerCache {
  readonly #entries = new Map<string, CachedLayer>();
  readonly #maxEntries: number;

  constructor(maxEntries = 512) {
    this.#maxEntries = maxEntries;
  }

  async get(key: string): Promise<CachedLayer | undefined> {
    const value = this.#entries.get(key);
    if (value) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  async set(key: string, value: CachedLayer): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
