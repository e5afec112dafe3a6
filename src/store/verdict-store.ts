import type { Redis } from 'ioredis';
import { PushgateError } from '../errors.js';
import { isRecord } from '../is-record.js';
import { scoredMembers } from './scored-members.js';
import { storeError } from './store-error.js';
import type { ActionRecord, ImageRecord } from './types.js';

export interface VerdictStoreOptions {
  /** Expire records (and their tags and actions) this long after their last write; none by default. */
  ttlSeconds?: number;
}

export interface ImageWhere {
  registry?: string;
  repository?: string;
}

export interface ListImagesOptions extends ImageWhere {
  /** 50 by default, at most 500. */
  limit?: number;
  /** The `next` cursor of the previous page. */
  before?: string;
}

export interface ImagePage {
  items: ImageRecord[];
  /** Present when there may be more: pass it as `before` for the next page. */
  next?: string;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
/** Index batches read per `list` call, so one call stays bounded even over many expired records. */
const MAX_LIST_ROUNDS = 20;

/**
 * Appends actions to an existing record only; the list is a Redis LIST next to the record, so an
 * append is one RPUSH (no read-modify-write of the JSON) and concurrent appends all land. The
 * actions list takes the record's remaining TTL.
 */
const APPEND_ACTIONS_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = redis.call('RPUSH', KEYS[2], unpack(ARGV))
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return n
`;

/** One image as the indexes name it: the registry name is URI-encoded so `/` and `@` stay separators. */
function imageId(registry: string, repository: string, digest: string): string {
  return `${encodeURIComponent(registry)}/${repository}@${digest}`;
}

function parseImageId(id: string): { registry: string; repository: string; digest: string } | undefined {
  const slash = id.indexOf('/');
  const at = id.lastIndexOf('@');
  if (slash <= 0 || at <= slash) return undefined;
  try {
    return {
      registry: decodeURIComponent(id.slice(0, slash)),
      repository: id.slice(slash + 1, at),
      digest: id.slice(at + 1),
    };
  } catch {
    return undefined;
  }
}

function encodeCursor(score: number, id: string): string {
  return Buffer.from(`${score}|${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { score: number; id: string } {
  const text = /^[A-Za-z0-9_-]{1,4096}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  const bar = text.indexOf('|');
  const score = bar > 0 ? Number(text.slice(0, bar)) : NaN;
  const id = text.slice(bar + 1);
  if (!Number.isSafeInteger(score) || parseImageId(id) === undefined) {
    throw new PushgateError(
      'CURSOR_INVALID',
      'list images: the `before` cursor is not one this API returned',
    );
  }
  return { score, id };
}

/** Orders like Redis does for members of equal score: by bytes. */
function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIST_LIMIT;
  return Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(limit)));
}

/** Tags in the record's order first, then those only intake's set has, sorted. */
function mergeTags(recordTags: readonly string[], setTags: readonly string[]): string[] {
  const seen = new Set(recordTags);
  return [...recordTags, ...setTags.filter((tag) => !seen.has(tag)).sort()];
}

function parseActions(items: readonly string[]): ActionRecord[] {
  const actions: ActionRecord[] = [];
  for (const item of items) {
    try {
      const parsed: unknown = JSON.parse(item);
      if (isRecord(parsed) && typeof parsed.kind === 'string')
        actions.push(parsed as unknown as ActionRecord);
    } catch {
      // An entry pushgate did not write is not an action of this image.
    }
  }
  return actions;
}

type PipelineReply = [error: Error | null, result: unknown][] | null;

/**
 * Verdicts by image in Redis: the record as JSON (`<prefix>:img:<id>`), every tag the digest was
 * pushed under (a set intake fills before the job runs), the actions taken (a list), and sorted
 * sets by time for listings (all images, per registry, per repository, per registry+repository)
 * and by digest (the same digest in several repositories).
 */
export class VerdictStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number | undefined;

  constructor(redis: Redis, prefix: string, options: VerdictStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    const ttl = options.ttlSeconds;
    this.#ttlSeconds = ttl !== undefined && ttl > 0 ? Math.ceil(ttl) : undefined;
  }

  /**
   * Stores `record` whole, replacing an earlier record of the same image (its actions included:
   * they belong to the verdict they enforced). Tags already in intake's set stay.
   */
  async put(record: ImageRecord): Promise<void> {
    const id = imageId(record.registry, record.repository, record.digest);
    const score = Number.isFinite(Date.parse(record.evaluatedAt))
      ? Date.parse(record.evaluatedAt)
      : Date.now();
    // The actions live in their own list; the JSON keeps the key (empty) so field order round-trips.
    const json = JSON.stringify({ ...record, actions: [] });
    const tx = this.#redis.multi();
    if (this.#ttlSeconds) tx.set(this.#key('img', id), json, 'EX', this.#ttlSeconds);
    else tx.set(this.#key('img', id), json);
    tx.del(this.#key('img-actions', id));
    if (record.actions.length > 0) {
      tx.rpush(this.#key('img-actions', id), ...record.actions.map((action) => JSON.stringify(action)));
      if (this.#ttlSeconds) tx.expire(this.#key('img-actions', id), this.#ttlSeconds);
    }
    if (record.tags.length > 0) tx.sadd(this.#key('img-tags', id), ...record.tags);
    if (this.#ttlSeconds) tx.expire(this.#key('img-tags', id), this.#ttlSeconds);
    tx.zadd(this.#key('img-digest', record.digest), score, id);
    for (const index of this.#indexes(record.registry, record.repository)) tx.zadd(index, score, id);
    await this.#exec(tx, `store verdict for ${record.repository}@${record.digest}`);
  }

  /**
   * The record of `digest`. Without both `registry` and `repository`, the most recently judged of
   * the images with this digest that match what is given.
   */
  async get(digest: string, where: ImageWhere = {}): Promise<ImageRecord | undefined> {
    const context = `read verdict for ${where.repository ?? ''}@${digest}`;
    if (where.registry !== undefined && where.repository !== undefined) {
      const [record] = await this.#read([imageId(where.registry, where.repository, digest)], context);
      return record;
    }
    const ids = (await this.#digestIds(digest, context)).filter((id) => {
      const parsed = parseImageId(id);
      return (
        parsed !== undefined &&
        (where.registry === undefined || parsed.registry === where.registry) &&
        (where.repository === undefined || parsed.repository === where.repository)
      );
    });
    for (let i = 0; i < ids.length; i += 10) {
      const found = (await this.#read(ids.slice(i, i + 10), context)).find((r) => r !== undefined);
      if (found) return found;
    }
    return undefined;
  }

  /** Every stored image with this digest (several repositories may hold it), most recent first. */
  async getAll(digest: string): Promise<ImageRecord[]> {
    const context = `read verdicts for ${digest}`;
    const ids = await this.#digestIds(digest, context);
    const records = await this.#read(ids, context);
    const gone = ids.filter((_, i) => records[i] === undefined);
    if (gone.length > 0) await this.#prune(this.#key('img-digest', digest), gone);
    return records.filter((r): r is ImageRecord => r !== undefined);
  }

  /**
   * Recently judged images, newest first, optionally of one registry and/or repository. Paging is
   * by (time, id) cursor, so records written between pages neither repeat nor shift what follows.
   */
  async list(options: ListImagesOptions = {}): Promise<ImagePage> {
    const limit = clampLimit(options.limit);
    const index = this.#listIndex(options.registry, options.repository);
    const context = `list images${options.repository ? ` of ${options.repository}` : ''}`;
    const items: ImageRecord[] = [];
    const gone: string[] = [];
    /** Everything at or above `position` (in index order) has been seen. */
    let position = options.before === undefined ? undefined : decodeCursor(options.before);
    /** Members of `position.score` that precede it in the index (ties come in reverse byte order). */
    let skip = 0;
    let full = false;
    let exhausted = false;
    for (let round = 0; round < MAX_LIST_ROUNDS && !full && !exhausted; round++) {
      const want = limit - items.length + 8;
      const from = position;
      let reply: unknown;
      try {
        reply = await this.#redis.zrange(
          index,
          from ? String(from.score) : '+inf',
          '-inf',
          'BYSCORE',
          'REV',
          'LIMIT',
          skip,
          want,
          'WITHSCORES',
        );
      } catch (err) {
        throw storeError(context, err);
      }
      const batch = scoredMembers(reply);
      exhausted = batch.length < want;
      const unseen = (e: { member: string; score: number }): boolean =>
        !from || e.score < from.score || byteCompare(e.member, from.id) < 0;
      const fresh = batch.filter(unseen);
      const records = await this.#read(
        fresh.map((e) => e.member),
        context,
      );
      const byId = new Map(fresh.map((e, i) => [e.member, records[i]]));
      let examined = 0;
      let last: { score: number; id: string } | undefined;
      for (const entry of batch) {
        examined++;
        if (!unseen(entry)) continue;
        last = { score: entry.score, id: entry.member };
        const record = byId.get(entry.member);
        if (record) items.push(record);
        else gone.push(entry.member);
        if (items.length === limit) {
          full = true;
          break;
        }
      }
      if (!last) {
        skip += examined;
        continue;
      }
      const ties = batch.slice(0, examined).filter((e) => e.score === last.score).length;
      skip = from && from.score === last.score ? skip + ties : ties;
      position = last;
    }
    if (gone.length > 0) await this.#prune(index, gone);
    const page: ImagePage = { items };
    if (position && (full || !exhausted)) page.next = encodeCursor(position.score, position.id);
    return page;
  }

  /** Records tags a digest was pushed under; intake calls it before the job runs. */
  async addTags(
    registry: string,
    repository: string,
    digest: string,
    tags: readonly string[],
  ): Promise<void> {
    const wanted = tags.filter((tag) => typeof tag === 'string' && tag !== '');
    if (wanted.length === 0) return;
    const key = this.#key('img-tags', imageId(registry, repository, digest));
    const tx = this.#redis.multi().sadd(key, ...wanted);
    if (this.#ttlSeconds) tx.expire(key, this.#ttlSeconds);
    await this.#exec(tx, `record tags of ${repository}@${digest}`);
  }

  /** Every tag recorded for the image, sorted. */
  async tags(registry: string, repository: string, digest: string): Promise<string[]> {
    try {
      const members = await this.#redis.smembers(
        this.#key('img-tags', imageId(registry, repository, digest)),
      );
      return members.sort();
    } catch (err) {
      throw storeError(`read tags of ${repository}@${digest}`, err);
    }
  }

  /**
   * Appends to the stored record's actions atomically (a Lua script: existence check, RPUSH, TTL
   * copy). False when there is no record to append to.
   */
  async appendActions(
    registry: string,
    repository: string,
    digest: string,
    actions: readonly ActionRecord[],
  ): Promise<boolean> {
    const id = imageId(registry, repository, digest);
    const context = `record actions for ${repository}@${digest}`;
    if (actions.length === 0) {
      try {
        return (await this.#redis.exists(this.#key('img', id))) === 1;
      } catch (err) {
        throw storeError(context, err);
      }
    }
    try {
      const result = await this.#redis.eval(
        APPEND_ACTIONS_LUA,
        2,
        this.#key('img', id),
        this.#key('img-actions', id),
        ...actions.map((action) => JSON.stringify(action)),
      );
      return Number(result) >= 0;
    } catch (err) {
      throw storeError(context, err);
    }
  }

  #key(kind: string, rest: string): string {
    return `${this.#prefix}:${kind}:${rest}`;
  }

  #indexes(registry: string, repository: string): string[] {
    return [
      this.#listIndex(undefined, undefined),
      this.#listIndex(registry, undefined),
      this.#listIndex(undefined, repository),
      this.#listIndex(registry, repository),
    ];
  }

  #listIndex(registry: string | undefined, repository: string | undefined): string {
    if (registry !== undefined && repository !== undefined)
      return this.#key('img-recent', `image:${encodeURIComponent(registry)}/${repository}`);
    if (registry !== undefined) return this.#key('img-recent', `registry:${encodeURIComponent(registry)}`);
    if (repository !== undefined) return this.#key('img-recent', `repository:${repository}`);
    return `${this.#prefix}:img-recent`;
  }

  async #digestIds(digest: string, context: string): Promise<string[]> {
    try {
      return await this.#redis.zrange(this.#key('img-digest', digest), 0, '-1', 'REV');
    } catch (err) {
      throw storeError(context, err);
    }
  }

  /** Records by id, in order; undefined where the record is gone (expired) or unreadable. */
  async #read(ids: readonly string[], context: string): Promise<Array<ImageRecord | undefined>> {
    if (ids.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const id of ids) {
      pipeline.get(this.#key('img', id));
      pipeline.smembers(this.#key('img-tags', id));
      pipeline.lrange(this.#key('img-actions', id), 0, -1);
    }
    const replies = await this.#exec(pipeline, context);
    return ids.map((_, i) => {
      const [json, tags, actions] = replies.slice(i * 3, i * 3 + 3);
      if (typeof json !== 'string') return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        return undefined;
      }
      if (!isRecord(parsed) || typeof parsed.digest !== 'string' || !Array.isArray(parsed.tags))
        return undefined;
      const record = parsed as unknown as ImageRecord;
      record.tags = mergeTags(record.tags, Array.isArray(tags) ? tags.map(String) : []);
      record.actions = parseActions(Array.isArray(actions) ? actions.map(String) : []);
      return record;
    });
  }

  /** Drops index members whose records expired; a failure here only delays the cleanup. */
  async #prune(index: string, ids: readonly string[]): Promise<void> {
    try {
      await this.#redis.zrem(index, ...ids);
    } catch {
      // The next listing prunes them.
    }
  }

  async #exec(batch: { exec(): Promise<PipelineReply> }, context: string): Promise<unknown[]> {
    let replies: PipelineReply;
    try {
      replies = await batch.exec();
    } catch (err) {
      throw storeError(context, err);
    }
    if (replies === null) throw storeError(context, new Error('transaction aborted'));
    const failed = replies.find(([error]) => error !== null);
    if (failed?.[0]) throw storeError(context, failed[0]);
    return replies.map(([, result]) => result);
  }
}
