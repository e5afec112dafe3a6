import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Deletes the key only when it still holds our token (another holder's lock is left alone). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * One inspection per image at a time across every worker: the events of a digest pushed under
 * several tags become several jobs (each tag gets its enforcement), but only the first inspects;
 * the others wait for its verdict. The holder renews a short lease while it works, so the lock
 * lapses within `ttlMs` when its holder dies (a SIGKILLed worker does not block the retry).
 */
export class InspectionLock {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /** A release function when the lock was free, undefined when someone holds it. */
  async acquire(subject: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const key = `${this.#prefix}:inspect-lock:${subject}`;
    const token = randomBytes(12).toString('hex');
    const ok = await this.#redis.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return undefined;
    const renewal = setInterval(
      () => {
        this.#redis.eval(RENEW, 1, key, token, String(ttlMs)).catch(() => undefined);
      },
      Math.max(ttlMs / 3, 100),
    );
    renewal.unref();
    return async () => {
      clearInterval(renewal);
      await this.#redis.eval(RELEASE, 1, key, token);
    };
  }
}
