import type { RedisConfig } from '../config/types.js';
import { parseSentinelAddress, type SentinelAddress } from '../config/sentinel-address.js';
import { PushgateError } from '../errors.js';

/** Where every Redis connection of a process goes: one server by URL, or the primary Sentinel names. */
export type RedisTarget =
  | { kind: 'url'; url: string; password?: string }
  | {
      kind: 'sentinel';
      sentinels: SentinelAddress[];
      /** The master name the sentinels monitor. */
      name: string;
      password?: string;
      sentinelPassword?: string;
    };

/**
 * The target `redis` configures. Throws `CONFIG_INVALID` when it configures none (the loader has
 * already refused url together with sentinels, and malformed sentinels).
 */
export function redisTarget(redis: Readonly<RedisConfig>): RedisTarget {
  // An empty password is no password: `${REDIS_PASSWORD:-}` in a file means "maybe".
  const password = redis.password ? { password: redis.password } : {};
  const sentinels = redis.sentinels ?? [];
  if (sentinels.length > 0) {
    if (!redis.sentinelName)
      throw new PushgateError('CONFIG_INVALID', 'redis.sentinelName is required with redis.sentinels');
    return {
      kind: 'sentinel',
      sentinels: sentinels.map((text) => {
        const address = parseSentinelAddress(text);
        if (!address)
          throw new PushgateError(
            'CONFIG_INVALID',
            `redis.sentinels: ${JSON.stringify(text)} is not host:port`,
          );
        return address;
      }),
      name: redis.sentinelName,
      ...password,
      ...(redis.sentinelPassword ? { sentinelPassword: redis.sentinelPassword } : {}),
    };
  }
  if (redis.url) return { kind: 'url', url: redis.url, ...password };
  throw new PushgateError(
    'CONFIG_INVALID',
    'no Redis configured: set REDIS_URL (or redis.url in the config), or redis.sentinels and redis.sentinelName for Redis Sentinel, ' +
      'or run `pushgate start`, which starts a local redis-server',
  );
}

/** True when `redis` names a server or sentinels (`pushgate start` starts a local Redis otherwise). */
export function hasRedisTarget(redis: Readonly<RedisConfig>): boolean {
  return Boolean(redis.url) || (redis.sentinels ?? []).length > 0;
}
