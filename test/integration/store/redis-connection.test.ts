import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis, RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, isRedisReady } from '../../../src/store/redis-connection.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { freePort } from '../../support/ports.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';

describe('createRedis', () => {
  failOnUnhandledErrors();
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedis({ appendOnly: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('names the connection and sets BullMQ-safe options only where asked', async () => {
    const plain = createRedis(server.url, { name: 'api server' });
    const bull = createRedis(server.url, { name: 'inspect-worker', forBullmq: true });
    try {
      expect(await plain.ping()).toBe('PONG');
      expect(await bull.ping()).toBe('PONG');
      const clients = String(await plain.client('LIST'));
      expect(clients).toContain('name=pushgate:api_server');
      expect(clients).toContain('name=pushgate:inspect-worker');
      expect(bull.options.maxRetriesPerRequest).toBeNull();
      expect(plain.options.maxRetriesPerRequest).toBe(2);
      expect(plain.options.enableReadyCheck).toBe(true);
      expect(isRedisReady(plain)).toBe(true);
    } finally {
      plain.disconnect();
      bull.disconnect();
    }
    await waitFor('the closed client to be not ready', async () => !isRedisReady(plain));
  });

  it('reports connection errors to the hook with a redacted target, never the password', async () => {
    const port = await freePort();
    const seen: Array<{ message: string; target: string; name: string }> = [];
    const client = createRedis(`redis://:hunter2-very-secret@127.0.0.1:${port}/0`, {
      name: 'gone',
      onError: (error, context) => seen.push({ message: error.message, ...context }),
    });
    try {
      await waitFor('two reconnect errors', async () => seen.length >= 2);
    } finally {
      client.disconnect();
    }
    expect(seen[0]).toMatchObject({ name: 'gone', target: `redis://:***@127.0.0.1:${port}/0` });
    expect(JSON.stringify(seen)).not.toContain('hunter2-very-secret');
  });

  it('survives connection errors with no hook at all, and with a hook that throws', async () => {
    const port = await freePort();
    const silent = createRedis(`redis://127.0.0.1:${port}`, { name: 'silent' });
    let calls = 0;
    const throwing = createRedis(`redis://127.0.0.1:${port}`, {
      name: 'throwing',
      onError: () => {
        calls++;
        throw new Error('logger broke');
      },
    });
    try {
      await waitFor('the throwing hook to be called twice', async () => calls >= 2);
    } finally {
      silent.disconnect();
      throwing.disconnect();
    }
    // failOnUnhandledErrors fails the file if any 'error' event went unhandled.
  });

  it('does not leak the password when Redis refuses it', async () => {
    const guarded = await startRedis({ appendOnly: false });
    const admin = createRedis(guarded.url, { name: 'admin' });
    const seen: string[] = [];
    const client = createRedis(guarded.url.replace('redis://', 'redis://:hunter2-very-secret@'), {
      name: 'wrong-auth',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      onError: (error) => seen.push(error.message),
    });
    try {
      await admin.config('SET', 'requirepass', 'the-right-one');
      const result = await client.ping().then(
        (pong) => pong,
        (err: Error) => err.message,
      );
      seen.push(String(result));
      await waitFor('the refusal to be reported', async () => seen.some((m) => m.includes('WRONGPASS')));
    } finally {
      client.disconnect();
      admin.disconnect();
      await guarded.stop();
    }
    expect(seen.join('\n')).not.toContain('hunter2-very-secret');
  });

  /** Settles with `promise`, or rejects once `ms` have passed (a hang is the failure). */
  async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    const timeout = sleep(ms).then(() => Promise.reject(new Error(`${what}: still waiting after ${ms} ms`)));
    return Promise.race([promise, timeout]);
  }

  async function reconnecting(client: Redis): Promise<void> {
    await waitFor(
      'the client to wait between reconnect attempts',
      async () => client.status === 'reconnecting',
    );
  }

  // ioredis alone leaves such a client `reconnecting` for good: BullMQ's Worker.close() waited for
  // its `end`, so a pushgate stopped during (or just after) a Redis outage never exited.
  it('disconnect() and quit() end a client waiting to reconnect, and its duplicates (BullMQ closes by them)', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const client = createRedis(url, { name: 'away', forBullmq: true });
    const blocking = client.duplicate();
    blocking.on('error', () => undefined);
    const quitting = createRedis(url, { name: 'away-quit', forBullmq: true });
    try {
      await Promise.all([reconnecting(client), reconnecting(blocking), reconnecting(quitting)]);
      // A command waiting for Redis (BullMQ connections wait for ever) is failed, not left hanging.
      const pending = client.ping().then(
        () => 'answered',
        (err: Error) => err.message,
      );
      const ended = once(client, 'end');
      client.disconnect();
      await within(ended, 2000, 'disconnect() of the client');
      expect(client.status).toBe('end');
      expect(await within(pending, 2000, 'the waiting command')).toMatch(/Connection is closed/);

      const blockingEnded = once(blocking, 'end');
      blocking.disconnect();
      await within(blockingEnded, 2000, 'disconnect() of the duplicate');

      // With nothing queued ioredis answers QUIT itself; a queued command made it wait for Redis.
      const queued = quitting.ping().then(
        () => 'answered',
        (err: Error) => err.message,
      );
      expect(await within(quitting.quit(), 2000, 'quit()')).toBe('OK');
      expect(quitting.status).toBe('end');
      expect(await within(queued, 2000, 'the queued command')).toMatch(/Connection is closed/);
    } finally {
      client.disconnect();
      blocking.disconnect();
      quitting.disconnect();
    }
  });

  it('quit() does not wait for a connect attempt under way', async () => {
    // A connect attempt that never ends: on a loaded machine one lasts while the event loop is busy.
    class NeverConnects {
      check(): boolean {
        return true;
      }
      connect(): Promise<never> {
        return new Promise<never>(() => undefined);
      }
      disconnect(): void {}
    }
    const client = createRedis('redis://127.0.0.1:1', {
      name: 'connecting',
      forBullmq: true,
      extra: { Connector: NeverConnects as unknown as RedisOptions['Connector'] },
    });
    try {
      await waitFor('the connect attempt to start', async () => client.status === 'connecting');
      // With nothing queued ioredis answers QUIT itself; a queued command made it wait.
      void client.ping().catch(() => undefined);
      expect(await within(client.quit(), 2000, 'quit() while connecting')).toBe('OK');
    } finally {
      client.disconnect();
    }
  });

  it('disconnect(true) still reconnects, and a connected client quits as before', async () => {
    const client = createRedis(server.url, { name: 'bounce' });
    try {
      expect(await client.ping()).toBe('PONG');
      client.disconnect(true);
      await waitFor('the client to reconnect', async () => isRedisReady(client));
      expect(await client.ping()).toBe('PONG');
      expect(await client.quit()).toBe('OK');
      await waitFor('the quit client to end', async () => client.status === 'end');
    } finally {
      client.disconnect();
    }
  });
});
