import type { Redis } from 'ioredis';
import type { CachedLayer, LayerCache } from '../facts/layer-cache.js';
import { isRecord } from '../is-record.js';
import { decodeFramedJson, encodeFramedJson, type JsonFrame } from './framed-json.js';

export interface RedisLayerCacheOptions {
  /**
   * Seconds an entry lives after its last write or hit (30 days by default); 0 keeps entries until
   * Redis evicts them.
   */
  ttlSeconds?: number;
  /** Encoded entries larger than this are not stored (a 2-million-file layer is not worth 100 MB of Redis). */
  maxEntryBytes?: number;
  /** Told about Redis failures; the cache itself never throws: a failed read is a miss, a failed write is skipped. */
  onError?: (error: unknown, operation: 'get' | 'set') => void;
}

export interface LayerCacheStats {
  hits: number;
  misses: number;
  /** Entries found but unreadable (corrupt, or written by another encoding version): counted as misses too. */
  corrupt: number;
  writes: number;
  /** Entries not written because they exceeded `maxEntryBytes`. */
  tooLarge: number;
  errors: number;
}

export const DEFAULT_LAYER_CACHE_TTL_SECONDS = 30 * 24 * 60 * 60;
const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024 * 1024;
/** Bump when the encoding changes; older entries then read as misses and are rewritten. */
export const LAYER_ENCODING_VERSION = 1;
const FRAME: JsonFrame = {
  magic: Buffer.from('PGLC', 'ascii'),
  version: LAYER_ENCODING_VERSION,
  maxDecodedBytes: 512 * 1024 * 1024,
};

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Shape check of a decoded entry: anything else is a miss, never an error in the scan. */
function isCachedLayer(value: unknown): value is CachedLayer {
  if (!isRecord(value) || !isRecord(value.walk) || !isRecord(value.results)) return false;
  const walk = value.walk;
  if (!isNumber(walk.compressedSize) || !isNumber(walk.uncompressedSize) || !isNumber(walk.entryCount))
    return false;
  if (!Array.isArray(walk.warnings) || !walk.warnings.every((w) => typeof w === 'string')) return false;
  const table = walk.table;
  if (!isRecord(table) || !Array.isArray(table.paths) || typeof table.kinds !== 'string') return false;
  if (!Array.isArray(table.sizes) || !Array.isArray(table.modes) || !isRecord(table.links)) return false;
  const n = table.paths.length;
  return table.kinds.length === n && table.sizes.length === n && table.modes.length === n;
}

/** `PGLC`, encoding version, flags, then the JSON of the entry (raw-deflated when large). */
export function encodeCachedLayer(value: CachedLayer): Promise<Buffer> {
  return encodeFramedJson(FRAME, { walk: value.walk, results: value.results });
}

/** The entry, or undefined when `data` is not a readable entry of this encoding version. */
export async function decodeCachedLayer(data: Buffer): Promise<CachedLayer | undefined> {
  const parsed = await decodeFramedJson(FRAME, data);
  return isCachedLayer(parsed) ? parsed : undefined;
}

/**
 * The per-layer fact cache shared by every worker: one Redis string per layer key
 * (`<prefix>:layer:<digest>:<extractors hash>`), expiring `ttlSeconds` after its last use.
 */
export class RedisLayerCache implements LayerCache {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;
  readonly #maxEntryBytes: number;
  readonly #onError: RedisLayerCacheOptions['onError'];
  readonly #stats: LayerCacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0, tooLarge: 0, errors: 0 };

  constructor(redis: Redis, prefix: string, options: RedisLayerCacheOptions = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlSeconds = Math.max(0, Math.ceil(options.ttlSeconds ?? DEFAULT_LAYER_CACHE_TTL_SECONDS));
    this.#maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
    this.#onError = options.onError;
  }

  /** Counters since this instance was made (per process; the Redis-wide totals are in WorkerMetrics). */
  get stats(): LayerCacheStats {
    return { ...this.#stats };
  }

  async get(key: string): Promise<CachedLayer | undefined> {
    let data: Buffer | null;
    try {
      data =
        this.#ttlSeconds > 0
          ? await this.#redis.getexBuffer(this.#key(key), 'EX', this.#ttlSeconds)
          : await this.#redis.getBuffer(this.#key(key));
    } catch (err) {
      this.#stats.errors++;
      this.#stats.misses++;
      this.#report(err, 'get');
      return undefined;
    }
    if (data === null) {
      this.#stats.misses++;
      return undefined;
    }
    const value = await decodeCachedLayer(data);
    if (!value) {
      this.#stats.corrupt++;
      this.#stats.misses++;
      return undefined;
    }
    this.#stats.hits++;
    return value;
  }

  async set(key: string, value: CachedLayer): Promise<void> {
    try {
      const data = await encodeCachedLayer(value);
      if (data.length > this.#maxEntryBytes) {
        this.#stats.tooLarge++;
        return;
      }
      if (this.#ttlSeconds > 0) await this.#redis.set(this.#key(key), data, 'EX', this.#ttlSeconds);
      else await this.#redis.set(this.#key(key), data);
      this.#stats.writes++;
    } catch (err) {
      this.#stats.errors++;
      this.#report(err, 'set');
    }
  }

  #key(key: string): string {
    return `${this.#prefix}:layer:${key}`;
  }

  #report(err: unknown, operation: 'get' | 'set'): void {
    try {
      this.#onError?.(err, operation);
    } catch {
      // A failing logger must not fail the scan.
    }
  }
}
