import { Redis, type RedisOptions } from 'ioredis';
import { PushgateError } from '../errors.js';
import { endWhileReconnecting } from './end-while-reconnecting.js';
import type { RedisTarget } from './redis-target.js';

export interface CreateRedisOptions {
  /** What the connection is for (`api`, `inspect-worker`…): shown by `CLIENT LIST` as `pushgate:<name>`. */
  name: string;
  /**
   * BullMQ connections must wait for Redis forever (`maxRetriesPerRequest: null`): BullMQ throws on
   * any other value for workers, and a blocking command must not fail during a short outage.
   */
  forBullmq?: boolean;
  /**
   * Called with every connection error (refused, reset, auth). Without it errors are dropped here:
   * an `error` event without a listener must never crash the process, and the URL (which may hold a
   * password) is never part of what is reported — `target` is the redacted URL, or the master
   * name and sentinels.
   */
  onError?: (error: Error, context: { name: string; target: string }) => void;
  /** Connect on the first command instead of at once. */
  lazyConnect?: boolean;
  /**
   * Reconnection attempts a command waits through before it fails (store and API connections);
   * keeps an API request from hanging for minutes while Redis is down. Ignored with `forBullmq`.
   */
  maxRetriesPerRequest?: number;
  /** Extra ioredis options (tests, TLS); they win over the defaults above. */
  extra?: RedisOptions;
}

const PROTOCOLS = new Set(['redis:', 'rediss:']);

/**
 * The URL as it may appear in logs and errors: the password (and a user name, which may be a
 * token) replaced. Anything that is not a URL is not echoed at all.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unparseable Redis URL>';
  }
  if (parsed.password !== '') parsed.password = '***';
  if (parsed.username !== '' && parsed.username !== 'default') parsed.username = '***';
  return parsed.toString();
}

/** CLIENT SETNAME refuses spaces and newlines. */
function connectionName(name: string): string {
  return `pushgate:${name.replace(/[^A-Za-z0-9._:-]/g, '_')}`;
}

/** The target as it may appear in logs and errors: no password. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'url') return redactRedisUrl(target.url);
  const hosts = target.sentinels.map(
    ({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`,
  );
  return `sentinel master ${target.name} via ${hosts.join(',')}`;
}

/**
 * A Sentinel-backed connection that finds itself on a replica (the old primary, demoted and back)
 * gets READONLY for writes: reconnecting asks the sentinels again and lands on the new primary, and
 * `2` resends the refused command there.
 */
function reconnectOnReadonly(error: Error): 2 | false {
  return error.message.startsWith('READONLY') ? 2 : false;
}

/**
 * The one way pushgate connects to Redis (store, queues, workers, their sandboxes, admission,
 * subscribers): an ioredis client for `target` — a URL (`redis://[[user]:password@]host:port[/db]`
 * or `rediss://`) or Redis Sentinel (the sentinels are asked for the primary of the master name, on
 * every connect and reconnect, so a failover is followed). A string is a URL. Throws
 * `CONFIG_INVALID` for a malformed URL, without echoing the value.
 */
export function createRedis(target: string | RedisTarget, options: CreateRedisOptions): Redis {
  const resolved: RedisTarget = typeof target === 'string' ? { kind: 'url', url: target } : target;
  const common: RedisOptions = {
    connectionName: connectionName(options.name),
    enableReadyCheck: true,
    maxRetriesPerRequest: options.forBullmq ? null : (options.maxRetriesPerRequest ?? 2),
    lazyConnect: options.lazyConnect ?? false,
    ...(resolved.password ? { password: resolved.password } : {}),
  };
  let client: Redis;
  if (resolved.kind === 'url') {
    let parsed: URL | undefined;
    try {
      parsed = new URL(resolved.url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !PROTOCOLS.has(parsed.protocol) || parsed.hostname === '') {
      throw new PushgateError(
        'CONFIG_INVALID',
        `Redis connection ${options.name}: the Redis URL must look like redis://[:password@]host:port[/db] or rediss://…`,
      );
    }
    client = new Redis(resolved.url, { ...common, ...options.extra });
  } else {
    client = new Redis({
      ...common,
      sentinels: resolved.sentinels.map(({ host, port }) => ({ host, port })),
      name: resolved.name,
      role: 'master',
      ...(resolved.sentinelPassword ? { sentinelPassword: resolved.sentinelPassword } : {}),
      // Not ioredis's `failoverDetector`: its +switch-master handler closes the connector while a
      // reconnection is under way, and the client then ends for good ("Connection is closed."):
      // the Sentinel failover test lost a sandbox's store connection that way, 1 run in ~10.
      reconnectOnError: reconnectOnReadonly,
      ...options.extra,
    });
  }
  const described = describeRedisTarget(resolved);
  client.on('error', (error: Error) => {
    // A listener of our own, always: ioredis emits `error` on every failed reconnect.
    if (!options.onError) return;
    try {
      options.onError(error, { name: options.name, target: described });
    } catch {
      // A failing logger must not turn a connection error into a crash.
    }
  });
  // Else stopping pushgate while Redis is away never ends (see there).
  return endWhileReconnecting(client);
}

/** True when the client can run a command now (not connecting, reconnecting or closed). */
export function isRedisReady(client: Redis): boolean {
  return client.status === 'ready';
}
