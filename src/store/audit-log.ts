import type { ChainableCommander, Redis } from 'ioredis';
import { PushgateError } from '../errors.js';
import { storeError } from './store-error.js';
import type { AuditEntry } from './types.js';

export interface AuditLogOptions {
  /** Entries kept (approximately: trimming is `MAXLEN ~`, done in whole stream nodes). */
  maxLength?: number;
  /** Stream entries one `list` call reads at most while filtering. */
  scanBudget?: number;
}

export interface ListAuditOptions {
  /** 100 by default, at most 1000. */
  limit?: number;
  /** A stream id (an entry's `id`, or the `next` of the previous page): only older entries. */
  before?: string;
  registry?: string;
  repository?: string;
  digest?: string;
  type?: AuditEntry['type'];
}

export interface AuditPage {
  entries: AuditEntry[];
  /**
   * Present when older entries may remain (the page is full, or the scan budget ran out before
   * enough entries matched): pass it as `before`.
   */
  next?: string;
}

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;
const DEFAULT_SCAN_BUDGET = 10_000;
/**
 * Audit values are short by design; a longer one is cut, not stored whole. Writers that must not
 * be cut mid-item (a verdict's reasons) bound their text by count to fit.
 */
export const MAX_AUDIT_FIELD_CHARS = 4096;

/** Fields in the order they are written; `id` is the stream's. */
const FIELDS = [
  'time',
  'type',
  'registry',
  'repository',
  'digest',
  'tag',
  'decision',
  'action',
  'outcome',
  'detail',
  'ref',
  'namespace',
  'by',
  'until',
] as const satisfies ReadonlyArray<Exclude<keyof AuditEntry, 'id'>>;

const STREAM_ID = /^\d{1,20}(-\d{1,20})?$/;

function clip(value: string): string {
  return value.length > MAX_AUDIT_FIELD_CHARS ? `${value.slice(0, MAX_AUDIT_FIELD_CHARS - 1)}…` : value;
}

function toEntry(id: string, fields: readonly string[]): AuditEntry {
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]] = fields[i + 1];
  const entry: Record<string, string> = { id };
  for (const name of FIELDS) if (values[name] !== undefined) entry[name] = values[name];
  // Stream entries are written by `append` only; missing required fields read as empty.
  return { time: '', type: 'event', registry: '', repository: '', ...entry } as AuditEntry;
}

/**
 * The audit log: one Redis stream (`<prefix>:audit`), capped at about `maxLength` entries. Every
 * field is a stream field, so `redis-cli XREVRANGE` reads it as it is.
 */
export class AuditLog {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #maxLength: number;
  readonly #scanBudget: number;

  constructor(redis: Redis, prefix: string, options: AuditLogOptions = {}) {
    this.#redis = redis;
    this.#key = `${prefix}:audit`;
    this.#maxLength = Math.max(1, Math.floor(options.maxLength ?? 100_000));
    this.#scanBudget = Math.max(1, Math.floor(options.scanBudget ?? DEFAULT_SCAN_BUDGET));
  }

  #fields(entry: AuditEntry): string[] {
    const args: string[] = [];
    for (const name of FIELDS) {
      const value = entry[name];
      if (value !== undefined && value !== null) args.push(name, clip(String(value)));
    }
    return args;
  }

  /**
   * Queues the append of `entry` on a MULTI transaction, so a change and its audit line are
   * written together or not at all (break-glass grants and revocations).
   */
  appendIn(transaction: ChainableCommander, entry: AuditEntry): ChainableCommander {
    return transaction.xadd(this.#key, 'MAXLEN', '~', String(this.#maxLength), '*', ...this.#fields(entry));
  }

  /** Appends `entry` (its `id` is ignored) and returns the stream id it got. */
  async append(entry: AuditEntry): Promise<string> {
    const args = this.#fields(entry);
    try {
      const id = await this.#redis.xadd(this.#key, 'MAXLEN', '~', String(this.#maxLength), '*', ...args);
      if (id === null) throw new Error('XADD returned no id');
      return id;
    } catch (err) {
      throw storeError(`append audit entry (${entry.type} ${entry.repository})`, err);
    }
  }

  /**
   * Entries newest first, filtered on the server: pages through the stream until `limit` entries
   * match or the scan budget is spent.
   */
  async list(options: ListAuditOptions = {}): Promise<AuditPage> {
    const wanted =
      options.limit !== undefined && Number.isFinite(options.limit) ? options.limit : DEFAULT_AUDIT_LIMIT;
    const limit = Math.min(MAX_AUDIT_LIMIT, Math.max(1, Math.floor(wanted)));
    if (options.before !== undefined && !STREAM_ID.test(options.before)) {
      throw new PushgateError(
        'CURSOR_INVALID',
        'list audit entries: `before` must be a stream id like 1700000000000-0',
      );
    }
    const filtered =
      options.registry !== undefined ||
      options.repository !== undefined ||
      options.digest !== undefined ||
      options.type !== undefined;
    const matches = (entry: AuditEntry): boolean =>
      (options.registry === undefined || entry.registry === options.registry) &&
      (options.repository === undefined || entry.repository === options.repository) &&
      (options.digest === undefined || entry.digest === options.digest) &&
      (options.type === undefined || entry.type === options.type);

    const entries: AuditEntry[] = [];
    let cursor = options.before;
    let scanned = 0;
    while (scanned < this.#scanBudget) {
      const count = Math.min(this.#scanBudget - scanned, filtered ? 500 : limit - entries.length);
      let page: Array<[id: string, fields: string[]]>;
      try {
        page = await this.#redis.xrevrange(
          this.#key,
          cursor === undefined ? '+' : `(${cursor}`,
          '-',
          'COUNT',
          count,
        );
      } catch (err) {
        throw storeError('list audit entries', err);
      }
      for (const [id, fields] of page) {
        scanned++;
        cursor = id;
        const entry = toEntry(id, fields);
        if (!matches(entry)) continue;
        entries.push(entry);
        if (entries.length === limit) return { entries, next: id };
      }
      if (page.length < count) return { entries };
    }
    return cursor === undefined ? { entries } : { entries, next: cursor };
  }
}
