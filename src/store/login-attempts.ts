import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { storeError } from './store-error.js';

/** Counts one attempt; the window starts with the first attempt and is not extended by later ones. */
const HIT_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

export interface LoginAttemptResult {
  allowed: boolean;
  /** Attempts counted in the current window, this one included. */
  count: number;
  /** Seconds until the window ends (what `Retry-After` says). */
  retryAfterSeconds: number;
}

/**
 * A fixed-window counter of failed logins per client in Redis (`<prefix>:ui-login:<sha256(client)>`),
 * shared by every `serve` process: after `limit` failures in `windowSeconds` the client is refused
 * until the window ends. Successful logins are not counted, so a busy team behind one proxy
 * address is not locked out by its own logins.
 */
export class LoginAttempts {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly limit: number;
  readonly windowSeconds: number;

  constructor(redis: Redis, prefix: string, options: { limit?: number; windowSeconds?: number } = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.limit = Math.max(1, Math.floor(options.limit ?? 10));
    this.windowSeconds = Math.max(1, Math.ceil(options.windowSeconds ?? 60));
  }

  #key(client: string): string {
    return `${this.#prefix}:ui-login:${createHash('sha256').update(client).digest('hex')}`;
  }

  /** Whether the client may try now (fewer than `limit` failures in the current window). */
  async check(client: string): Promise<LoginAttemptResult> {
    let reply: unknown;
    try {
      reply = await this.#redis.multi().get(this.#key(client)).pttl(this.#key(client)).exec();
    } catch (err) {
      throw storeError('read the web view login failures', err);
    }
    const [[, count], [, ttl]] = (reply ?? [
      [null, null],
      [null, -2],
    ]) as Array<[unknown, unknown]>;
    const n = Number(count ?? 0);
    const remaining = Number(ttl);
    return {
      allowed: !(n >= this.limit),
      count: n,
      retryAfterSeconds: Math.max(
        1,
        Math.ceil((remaining > 0 ? remaining : this.windowSeconds * 1000) / 1000),
      ),
    };
  }

  /** Counts one failed login. */
  async hit(client: string): Promise<LoginAttemptResult> {
    const key = this.#key(client);
    let reply: unknown;
    try {
      reply = await this.#redis.eval(HIT_LUA, 1, key, String(this.windowSeconds * 1000));
    } catch (err) {
      throw storeError('count a web view login attempt', err);
    }
    const [count, ttl] = Array.isArray(reply) ? reply.map(Number) : [Number.NaN, 0];
    return {
      allowed: Number.isFinite(count) && count <= this.limit,
      count,
      retryAfterSeconds: Math.max(
        1,
        Math.ceil((Number.isFinite(ttl) ? ttl : this.windowSeconds * 1000) / 1000),
      ),
    };
  }
}
