import type { Redis } from 'ioredis';
import { PushgateError } from '../errors.js';
import { scoredMembers } from './scored-members.js';
import { storeError } from './store-error.js';

/** A workload the admission webhook let run an image: the pod's owner, or the controller itself. */
export interface AdmittedWorkload {
  namespace: string;
  /** The owner's kind (a pod's controlling ownerReference), or the object's own for a controller. */
  kind: string;
  name: string;
  /** The image reference as written in the object (not escaped: escape it where it is printed). */
  image: string;
}

/** One admission of one image by digest. */
export interface AdmittedImage extends AdmittedWorkload {
  digest: string;
  /** ISO time of the latest admission of this workload with this digest. */
  admittedAt: string;
}

export interface AdmittedImagesOptions {
  /** Entries older than this are dropped (and every key expires this long after its last write). */
  ttlSeconds?: number;
  /** Workloads kept per digest (the most recently admitted). */
  maxPerDigest?: number;
  /** Entries kept over all digests (the most recently admitted). */
  maxEntries?: number;
}

export interface AdmittedPage {
  items: AdmittedImage[];
  /** Present when there may be more: pass it as `before`. */
  next?: string;
}

export const DEFAULT_ADMITTED_TTL_SECONDS = 90 * 24 * 3600;
export const DEFAULT_MAX_ADMITTED_PER_DIGEST = 100;
export const DEFAULT_MAX_ADMITTED_ENTRIES = 10_000;
/** Longest field kept: object names are at most 253 characters; a cursor stays under 4 KiB. */
const MAX_FIELD_CHARS = 512;

/**
 * One script so the per-digest sets and the global index never disagree: add each entry to its
 * digest's set and to the index, trim the digest's set to its cap (and the index with it), drop
 * entries older than the retention, then trim the index to its cap (and each digest's set with
 * it). Per-digest keys are named from ARGV[1] because the index's evictions can touch any digest;
 * pushgate runs against one Redis (no cluster slots to respect).
 */
const RECORD_LUA = `
local index = KEYS[1]
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local cutoff = ARGV[3]
local ttl = tonumber(ARGV[4])
local perCap = tonumber(ARGV[5])
local cap = tonumber(ARGV[6])
local function drop(member)
  local sp = string.find(member, ' ', 1, true)
  if sp then redis.call('ZREM', prefix .. string.sub(member, 1, sp - 1), string.sub(member, sp + 1)) end
  redis.call('ZREM', index, member)
end
for i = 7, #ARGV, 2 do
  local digest = ARGV[i]
  local entry = ARGV[i + 1]
  local key = prefix .. digest
  redis.call('ZADD', key, now, entry)
  redis.call('ZADD', index, now, digest .. ' ' .. entry)
  local n = redis.call('ZCARD', key)
  if n > perCap then
    for _, m in ipairs(redis.call('ZRANGE', key, 0, n - perCap - 1)) do
      redis.call('ZREM', index, digest .. ' ' .. m)
    end
    redis.call('ZREMRANGEBYRANK', key, 0, n - perCap - 1)
  end
  redis.call('PEXPIRE', key, ttl)
end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. cutoff, 'LIMIT', 0, 1000)) do drop(m) end
local total = redis.call('ZCARD', index)
if total > cap then
  for _, m in ipairs(redis.call('ZRANGE', index, 0, total - cap - 1)) do drop(m) end
end
redis.call('PEXPIRE', index, ttl)
return total
`;

function clip(value: string): string {
  return value.length > MAX_FIELD_CHARS ? value.slice(0, MAX_FIELD_CHARS) : value;
}

/** The set member of a workload: stable, so admitting it again only moves its time. */
function encodeWorkload(w: AdmittedWorkload): string {
  return JSON.stringify([clip(w.namespace), clip(w.kind), clip(w.name), clip(w.image)]);
}

function decodeWorkload(text: string): AdmittedWorkload | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.length === 4 && parsed.every((p) => typeof p === 'string')) {
      const [namespace, kind, name, image] = parsed as string[];
      return { namespace, kind, name, image };
    }
  } catch {
    // Not an entry pushgate wrote.
  }
  return undefined;
}

function decodeIndexMember(member: string, score: number): AdmittedImage | undefined {
  const space = member.indexOf(' ');
  if (space <= 0) return undefined;
  const workload = decodeWorkload(member.slice(space + 1));
  if (!workload) return undefined;
  return { digest: member.slice(0, space), ...workload, admittedAt: new Date(score).toISOString() };
}

function encodeCursor(score: number, member: string): string {
  return Buffer.from(`${score}|${member}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { score: number; member: string } {
  const text = /^[A-Za-z0-9_-]{1,4096}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  const bar = text.indexOf('|');
  const score = bar > 0 ? Number(text.slice(0, bar)) : NaN;
  const member = text.slice(bar + 1);
  if (!Number.isSafeInteger(score) || decodeIndexMember(member, 0) === undefined) {
    throw new PushgateError(
      'CURSOR_INVALID',
      'list admissions: the `before` cursor is not one this API returned',
    );
  }
  return { score, member };
}

function positiveInteger(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

/**
 * What the admission webhook let run, bounded: per digest a sorted set of workloads by latest
 * admission time (`<prefix>:admitted:<digest>`, at most `maxPerDigest`), and one index of every
 * entry by time (`<prefix>:admitted-recent`, at most `maxEntries`), both dropping entries older
 * than `ttlSeconds`. It answers "which workloads run this digest" (a verdict that turns to reject,
 * the registry delete that `admission.protectAdmittedDays` holds back) and lists recent admissions.
 */
export class AdmittedImages {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #maxPerDigest: number;
  readonly #maxEntries: number;

  constructor(redis: Redis, prefix: string, options: AdmittedImagesOptions = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlMs = positiveInteger(options.ttlSeconds, DEFAULT_ADMITTED_TTL_SECONDS) * 1000;
    this.#maxPerDigest = positiveInteger(options.maxPerDigest, DEFAULT_MAX_ADMITTED_PER_DIGEST);
    this.#maxEntries = positiveInteger(options.maxEntries, DEFAULT_MAX_ADMITTED_ENTRIES);
  }

  /** Records that `workload` was admitted running `digest` (each pair) at `at`. */
  async record(
    entries: ReadonlyArray<{ digest: string; workload: AdmittedWorkload }>,
    at: Date = new Date(),
  ): Promise<void> {
    if (entries.length === 0) return;
    const now = at.getTime();
    const args = entries.flatMap((e) => [e.digest, encodeWorkload(e.workload)]);
    try {
      await this.#redis.eval(
        RECORD_LUA,
        1,
        this.#indexKey(),
        this.#digestKey(''),
        String(now),
        String(now - this.#ttlMs),
        String(this.#ttlMs),
        String(this.#maxPerDigest),
        String(this.#maxEntries),
        ...args,
      );
    } catch (err) {
      throw storeError(`record admitted images (${entries.length})`, err);
    }
  }

  /** The workloads admitted with `digest`, most recent first; only those admitted at or after `since`. */
  async forDigest(digest: string, since?: Date): Promise<AdmittedImage[]> {
    const floor = Math.max(Date.now() - this.#ttlMs, since?.getTime() ?? 0);
    let reply: unknown;
    try {
      reply = await this.#redis.zrange(
        this.#digestKey(digest),
        '+inf',
        String(floor),
        'BYSCORE',
        'REV',
        'WITHSCORES',
      );
    } catch (err) {
      throw storeError(`read admitted workloads of ${digest}`, err);
    }
    const out: AdmittedImage[] = [];
    for (const { member, score } of scoredMembers(reply)) {
      const workload = decodeWorkload(member);
      if (workload) out.push({ digest, ...workload, admittedAt: new Date(score).toISOString() });
    }
    return out;
  }

  /**
   * Up to `count` admissions older than the cursor `before` (newest first), each with the cursor
   * that continues after it. Entries admitted in the same millisecond are ordered as Redis orders
   * them (by bytes, reversed), so a cursor inside such a group neither repeats nor skips.
   */
  async page(
    before: string | undefined,
    count: number,
  ): Promise<{ items: Array<AdmittedImage & { cursor: string }>; exhausted: boolean }> {
    const from = before === undefined ? undefined : decodeCursor(before);
    const context = 'list admissions';
    const key = this.#indexKey();
    const floor = String(Date.now() - this.#ttlMs);
    let offset = 0;
    let reply: unknown;
    try {
      if (from) {
        const ties = await this.#redis.zrange(key, String(from.score), String(from.score), 'BYSCORE');
        const cursorBytes = Buffer.from(from.member, 'utf8');
        offset = ties.filter((m) => Buffer.compare(Buffer.from(m, 'utf8'), cursorBytes) >= 0).length;
      }
      reply = await this.#redis.zrange(
        key,
        from ? String(from.score) : '+inf',
        floor,
        'BYSCORE',
        'REV',
        'LIMIT',
        offset,
        count,
        'WITHSCORES',
      );
    } catch (err) {
      throw storeError(context, err);
    }
    const batch = scoredMembers(reply);
    const items: Array<AdmittedImage & { cursor: string }> = [];
    for (const { member, score } of batch) {
      const image = decodeIndexMember(member, score);
      if (image) items.push({ ...image, cursor: encodeCursor(score, member) });
    }
    return { items, exhausted: batch.length < count };
  }

  /** Every admission kept (at most `maxEntries`), newest first. */
  async all(): Promise<AdmittedImage[]> {
    let reply: unknown;
    try {
      reply = await this.#redis.zrange(
        this.#indexKey(),
        '+inf',
        String(Date.now() - this.#ttlMs),
        'BYSCORE',
        'REV',
        'WITHSCORES',
      );
    } catch (err) {
      throw storeError('read admitted images', err);
    }
    return scoredMembers(reply)
      .map(({ member, score }) => decodeIndexMember(member, score))
      .filter((image): image is AdmittedImage => image !== undefined);
  }

  #digestKey(digest: string): string {
    return `${this.#prefix}:admitted:${digest}`;
  }

  #indexKey(): string {
    return `${this.#prefix}:admitted-recent`;
  }
}
