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
});
