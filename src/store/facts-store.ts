import type { Redis } from 'ioredis';
import type { ImageFacts } from '../facts/image-facts.js';
import { isRecord } from '../is-record.js';
import { decodeFramedJson, encodeFramedJson, type JsonFrame } from './framed-json.js';
import { publishImageChanges } from './image-changes.js';
import { storeError } from './store-error.js';

/** The facts document of one platform manifest, as inspection gathered it (secrets already redacted). */
export interface StoredPlatformFacts {
  /** The platform manifest's digest. */
  digest: string;
  /** `os/arch[/variant]` */
  platform: string;
  /**
   * Absent when the document was larger than `maxEntryBytes` and was not stored: the image was
   * inspected, but cannot be judged again from stored facts.
   */
  facts?: ImageFacts;
}

export interface FactsStoreOptions {
  /**
   * Expire facts this long after they were written; none by default, like verdicts: a new policy
   * set is evaluated from them, so they must live as long as the verdict they back.
   */
  ttlSeconds?: number;
  /** Encoded documents larger than this are not stored (a marker says so); 16 MiB by default. */
  maxEntryBytes?: number;
}

export const DEFAULT_MAX_FACTS_BYTES = 16 * 1024 * 1024;
/** Bump when the encoding changes; older entries then read as absent (the image is inspected again). */
export const FACTS_ENCODING_VERSION = 1;
const FRAME: JsonFrame = {
  magic: Buffer.from('PGFD', 'ascii'),
  version: FACTS_ENCODING_VERSION,
  maxDecodedBytes: 256 * 1024 * 1024,
};

interface Entry {
  platform: string;
  facts?: ImageFacts;
  tooLarge?: number;
}

function encode(entry: Entry): Promise<Buffer> {
  return encodeFramedJson(FRAME, entry);
}

/** The entry, or undefined when `data` is not a readable entry of this encoding version. */
async function decode(data: Buffer): Promise<Entry | undefined> {
  const parsed = await decodeFramedJson(FRAME, data);
  if (!isRecord(parsed) || typeof parsed.platform !== 'string') return undefined;
  if (parsed.facts !== undefined && !(isRecord(parsed.facts) && isRecord(parsed.facts.image)))
    return undefined;
  return parsed as unknown as Entry;
}

function parseIndex(json: string): Array<{ digest: string; platform: string }> | undefined {
  try {
    const parsed: unknown = JSON.parse(json);
    if (
      Array.isArray(parsed) &&
      parsed.every((p) => isRecord(p) && typeof p.digest === 'string' && typeof p.platform === 'string')
    )
      return parsed as Array<{ digest: string; platform: string }>;
  } catch {
    // Not an entry pushgate wrote: read as absent.
  }
  return undefined;
}

/**
 * The full facts document of every inspected manifest, by digest, so an image can be judged again
 * (for a Kubernetes namespace, under a new policy set) without pulling it: one binary-framed,
 * deflated JSON string per platform manifest (`<prefix>:facts:<digest>`, the encoding of
 * `RedisLayerCache`), and for an index the list of its platform digests
 * (`<prefix>:facts-index:<digest>`). Facts are content-addressed: the same digest in several
 * repositories has one entry. Every `put` is announced on the image-changes channel.
 */
export class FactsStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number | undefined;
  readonly #maxEntryBytes: number;

  constructor(redis: Redis, prefix: string, options: FactsStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    const ttl = options.ttlSeconds;
    this.#ttlSeconds = ttl !== undefined && ttl > 0 ? Math.ceil(ttl) : undefined;
    this.#maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_FACTS_BYTES;
  }

  /**
   * Stores the facts of `digest`: one platform whose digest is `digest` (an image manifest), or
   * the platforms of the index `digest`. Then tells every subscriber that `digest` and its
   * platforms changed.
   */
  async put(digest: string, platforms: readonly StoredPlatformFacts[]): Promise<void> {
    const context = `store facts of ${digest}`;
    const tx = this.#redis.multi();
    for (const platform of platforms) {
      let data = await encode({ platform: platform.platform, facts: platform.facts });
      if (data.length > this.#maxEntryBytes || platform.facts === undefined)
        data = await encode({ platform: platform.platform, tooLarge: data.length });
      this.#set(tx, this.#key('facts', platform.digest), data);
    }
    const isIndex = !(platforms.length === 1 && platforms[0].digest === digest);
    if (isIndex) {
      const list = platforms.map((p) => ({ digest: p.digest, platform: p.platform }));
      this.#set(tx, this.#key('facts-index', digest), JSON.stringify(list));
    }
    try {
      const replies = await tx.exec();
      const failed = replies?.find(([error]) => error !== null);
      if (replies === null) throw new Error('transaction aborted');
      if (failed?.[0]) throw failed[0];
    } catch (err) {
      throw storeError(context, err);
    }
    await this.announce([digest, ...platforms.map((p) => p.digest).filter((d) => d !== digest)]);
  }

  /**
   * The stored facts of `digest` (an image manifest: one platform; an index: every platform), or
   * undefined when nothing (or only part of an index) is stored.
   */
  async get(digest: string): Promise<StoredPlatformFacts[] | undefined> {
    const context = `read facts of ${digest}`;
    let index: string | null;
    let single: Buffer | null;
    try {
      [index, single] = await Promise.all([
        this.#redis.get(this.#key('facts-index', digest)),
        this.#redis.getBuffer(this.#key('facts', digest)),
      ]);
    } catch (err) {
      throw storeError(context, err);
    }
    if (index !== null) {
      const list = parseIndex(index);
      if (!list || list.length === 0) return undefined;
      let entries: Array<Buffer | null>;
      try {
        entries = await this.#redis.mgetBuffer(...list.map((p) => this.#key('facts', p.digest)));
      } catch (err) {
        throw storeError(context, err);
      }
      const platforms: StoredPlatformFacts[] = [];
      for (const [i, data] of entries.entries()) {
        const entry = data === null ? undefined : await decode(data);
        // Part of an index is not enough: its worst platform may be the one missing.
        if (!entry) return undefined;
        platforms.push({
          digest: list[i].digest,
          platform: entry.platform,
          ...(entry.facts ? { facts: entry.facts } : {}),
        });
      }
      return platforms;
    }
    const entry = single === null ? undefined : await decode(single);
    if (!entry) return undefined;
    return [{ digest, platform: entry.platform, ...(entry.facts ? { facts: entry.facts } : {}) }];
  }

  /** Tells every subscriber that what is stored about `digests` changed (a new verdict, a failure). */
  async announce(digests: readonly string[]): Promise<void> {
    await publishImageChanges(this.#redis, this.#prefix, { digests: [...new Set(digests)] });
  }

  #set(tx: ReturnType<Redis['multi']>, key: string, value: Buffer | string): void {
    if (this.#ttlSeconds) tx.set(key, value, 'EX', this.#ttlSeconds);
    else tx.set(key, value);
  }

  #key(kind: string, digest: string): string {
    return `${this.#prefix}:${kind}:${digest}`;
  }
}
