import type { Redis } from 'ioredis';
import { PushgateError } from '../errors.js';
import { isRecord } from '../is-record.js';
import type { AuditLog } from './audit-log.js';
import { storeError } from './store-error.js';

/**
 * A break-glass exemption: admission allows every pod of `namespace` until `until`, with a warning
 * that names who granted it and why. For when pushgate is up but wrongly denying.
 */
export interface BreakGlassExemption {
  namespace: string;
  /** ISO time the exemption ends (its Redis key expires then). */
  until: string;
  reason: string;
  /** Who granted it: the CLI user, `--by`, or the API caller's `by`. */
  by: string;
  grantedAt: string;
}

export interface BreakGlassGrant {
  namespace: string;
  durationMs: number;
  reason: string;
  by: string;
}

/** An exemption is an emergency measure: a day at most, then it is granted again, on the record. */
export const MAX_BREAK_GLASS_MS = 24 * 3_600_000;
export const MAX_REASON_CHARS = 500;
export const MAX_BY_CHARS = 100;

/** Kubernetes namespace names are DNS-1123 labels. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why `namespace` cannot name a Kubernetes namespace, or undefined. */
export function namespaceProblem(namespace: string): string | undefined {
  return NAMESPACE.test(namespace)
    ? undefined
    : `namespace must be a Kubernetes namespace name (lower-case letters, digits and '-', at most 63), got ${JSON.stringify(namespace.slice(0, 70))}`;
}

/** What is wrong with a grant (one line each), so the CLI and the API refuse it in their own words. */
export function breakGlassProblems(grant: BreakGlassGrant): string[] {
  const problems: string[] = [];
  const ns = namespaceProblem(grant.namespace);
  if (ns) problems.push(ns);
  if (grant.durationMs > MAX_BREAK_GLASS_MS) {
    problems.push('the duration must be at most 24h: grant it again when it runs out');
  } else if (!Number.isSafeInteger(grant.durationMs) || grant.durationMs < 1000) {
    problems.push('the duration must be at least 1s');
  }
  if (grant.reason.trim() === '') problems.push('a reason is required: it is shown on every exempted pod');
  if (grant.reason.length > MAX_REASON_CHARS)
    problems.push(`the reason must be at most ${MAX_REASON_CHARS} characters`);
  if (grant.by.trim() === '') problems.push('who grants it is required');
  if (grant.by.length > MAX_BY_CHARS) problems.push(`"by" must be at most ${MAX_BY_CHARS} characters`);
  return problems;
}

function parseExemption(raw: string | null): BreakGlassExemption | undefined {
  if (raw === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { namespace, until, reason, by, grantedAt } = value;
  if (
    typeof namespace !== 'string' ||
    typeof until !== 'string' ||
    typeof reason !== 'string' ||
    typeof by !== 'string' ||
    typeof grantedAt !== 'string'
  )
    return undefined;
  return { namespace, until, reason, by, grantedAt };
}

/**
 * Break-glass exemptions in Redis: one key per namespace (`<prefix>:break-glass:<namespace>`)
 * whose TTL ends it, so an exemption lapses by itself even if nobody remembers it, plus a sorted
 * set (`<prefix>:break-glass`, namespace by end time) to list them without SCAN. Every grant and
 * revocation is written to the audit stream in the same transaction as the change.
 */
export class BreakGlassStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #index: string;
  readonly #audit: AuditLog;
  readonly #now: () => number;

  constructor(redis: Redis, prefix: string, audit: AuditLog, options: { now?: () => number } = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#index = `${prefix}:break-glass`;
    this.#audit = audit;
    this.#now = options.now ?? Date.now;
  }

  #key(namespace: string): string {
    return `${this.#prefix}:break-glass:${namespace}`;
  }

  /** Exempts the namespace (replacing an exemption it has) and records it in the audit stream. */
  async grant(grant: BreakGlassGrant): Promise<BreakGlassExemption> {
    const problems = breakGlassProblems(grant);
    if (problems.length > 0) {
      throw new PushgateError('BAD_REQUEST', `grant a break-glass exemption: ${problems.join('; ')}`);
    }
    const now = this.#now();
    const exemption: BreakGlassExemption = {
      namespace: grant.namespace,
      until: new Date(now + grant.durationMs).toISOString(),
      reason: grant.reason.trim(),
      by: grant.by.trim(),
      grantedAt: new Date(now).toISOString(),
    };
    const transaction = this.#redis
      .multi()
      .set(this.#key(grant.namespace), JSON.stringify(exemption), 'PX', grant.durationMs)
      .zadd(this.#index, now + grant.durationMs, grant.namespace)
      // Lapsed exemptions leave their index entry behind; a grant sweeps them.
      .zremrangebyscore(this.#index, '-inf', now);
    this.#audit.appendIn(transaction, {
      time: exemption.grantedAt,
      type: 'break-glass',
      registry: '',
      repository: '',
      outcome: 'granted',
      namespace: exemption.namespace,
      by: exemption.by,
      until: exemption.until,
      detail: exemption.reason,
    });
    await this.#exec(transaction, `grant a break-glass exemption to namespace ${grant.namespace}`);
    return exemption;
  }

  /** The exemptions in force now, by namespace. */
  async list(): Promise<BreakGlassExemption[]> {
    const now = this.#now();
    let namespaces: string[];
    try {
      namespaces = await this.#redis.zrangebyscore(this.#index, `(${now}`, '+inf');
    } catch (err) {
      throw storeError('list break-glass exemptions', err);
    }
    if (namespaces.length === 0) return [];
    let values: Array<string | null>;
    try {
      values = await this.#redis.mget(namespaces.map((namespace) => this.#key(namespace)));
    } catch (err) {
      throw storeError('list break-glass exemptions', err);
    }
    return values
      .map(parseExemption)
      .filter((e): e is BreakGlassExemption => e !== undefined && Date.parse(e.until) > now)
      .sort((a, b) => a.namespace.localeCompare(b.namespace));
  }

  /**
   * Ends the namespace's exemption and records who ended it; undefined when it had none (nothing
   * is recorded then). Read, then delete and audit in one transaction: a grant racing in between
   * would be revoked too, which is what whoever revokes asked for.
   */
  async revoke(namespace: string, by: string): Promise<BreakGlassExemption | undefined> {
    const problem = namespaceProblem(namespace);
    if (problem) throw new PushgateError('BAD_REQUEST', `revoke a break-glass exemption: ${problem}`);
    if (by.trim() === '' || by.length > MAX_BY_CHARS) {
      throw new PushgateError(
        'BAD_REQUEST',
        `revoke a break-glass exemption: "by" must be 1 to ${MAX_BY_CHARS} characters`,
      );
    }
    let raw: string | null;
    try {
      raw = await this.#redis.get(this.#key(namespace));
    } catch (err) {
      throw storeError(`revoke the break-glass exemption of namespace ${namespace}`, err);
    }
    const existing = parseExemption(raw);
    if (!existing) return undefined;
    const transaction = this.#redis.multi().del(this.#key(namespace)).zrem(this.#index, namespace);
    this.#audit.appendIn(transaction, {
      time: new Date(this.#now()).toISOString(),
      type: 'break-glass',
      registry: '',
      repository: '',
      outcome: 'revoked',
      namespace,
      by: by.trim(),
      until: existing.until,
      detail: `granted by ${existing.by}: ${existing.reason}`,
    });
    await this.#exec(transaction, `revoke the break-glass exemption of namespace ${namespace}`);
    return existing;
  }

  async #exec(transaction: ReturnType<Redis['multi']>, context: string): Promise<void> {
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await transaction.exec();
    } catch (err) {
      throw storeError(context, err);
    }
    if (results === null) throw storeError(context, new Error('the transaction was aborted'));
    const failed = results.find(([err]) => err !== null);
    if (failed) throw storeError(context, failed[0]);
  }
}
