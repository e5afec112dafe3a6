import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  spawnService,
  startPushStack,
  writeServiceConfig,
  type PushStack,
} from '../../support/pushgate-service.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * SIGTERM while `pushgate start` is still starting (Kubernetes stopping a pod that just came up, a
 * Ctrl-C right after the first log line): the service stops cleanly with exit code 0 once it has
 * started, instead of dying by the signal with its workers half-started.
 */
describe('a SIGTERM during startup', () => {
  let stack: PushStack;

  beforeAll(async () => {
    stack = await startPushStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('right after the "serving" line: shuts down and exits 0', async () => {
    const cfg = await writeServiceConfig({
      dir: stack.dir,
      redisUrl: stack.redis.url,
      registryUrl: stack.registry.url,
      extra: { log: { level: 'info' } },
    });
    const service = spawnService('start', cfg.path);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      service.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      // The server listens before the workers start: the signal lands between the two.
      await waitFor('the serving line', () => Promise.resolve(/"listening":/.test(service.output())), 60_000);
      service.child.kill('SIGTERM');
      const exit = await exited;
      expect(exit, service.output()).toEqual({ code: 0, signal: null });
      expect(service.output()).toMatch(/"reason":"SIGTERM".*"msg":"shutting down"/);
    } finally {
      await service.kill();
    }
  }, 120_000);
});

/**
 * SIGTERM while Redis is away, or in the second or two after it came back (BullMQ's blocking
 * connection still waits out its reconnect delay): the service exits 0 at once. It used to wait
 * for a connection that never ended, until it was killed.
 */
describe('a SIGTERM while Redis is away', () => {
  let stack: PushStack;
  let configPath: string;

  beforeAll(async () => {
    stack = await startPushStack();
    configPath = (
      await writeServiceConfig({
        dir: stack.dir,
        redisUrl: stack.redis.url,
        registryUrl: stack.registry.url,
        extra: { log: { level: 'info' } },
      })
    ).path;
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  type Exit = { code: number | null; signal: NodeJS.Signals | null } | string;

  /**
   * `pushgate start`, up with its workers; `stop()` sends SIGTERM and gives it 45 s to exit: without
   * jobs it takes about a second, but a hang is for good, and a loaded machine (CI) is slow.
   */
  async function launch() {
    const service = spawnService('start', configPath);
    const exited = new Promise<Exit>((resolve) =>
      service.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      await waitFor(
        'the workers to start',
        () => Promise.resolve(/workers started/.test(service.output())),
        60_000,
      );
    } catch (err) {
      await service.kill();
      throw err;
    }
    return {
      service,
      lostRedis: () =>
        waitFor('the lost connection to be logged', () =>
          Promise.resolve(/redis connection error/.test(service.output())),
        ),
      // Kubernetes signals the container's main process only.
      async stop(): Promise<Exit> {
        service.child.kill('SIGTERM');
        return Promise.race([exited, sleep(45_000).then(() => 'still running 45 s after SIGTERM')]);
      },
    };
  }

  it('while Redis is down: exits 0', async () => {
    const running = await launch();
    try {
      let exit: Exit | undefined;
      await stack.redis.restart(async () => {
        await running.lostRedis();
        exit = await running.stop();
      });
      expect(exit, running.service.output()).toEqual({ code: 0, signal: null });
    } finally {
      await running.service.kill();
    }
  }, 120_000);

  it('just after Redis came back: exits 0', async () => {
    const running = await launch();
    try {
      await stack.redis.restart(async () => {
        await running.lostRedis();
        await sleep(3000); // ioredis's reconnect delays grow toward 2 s
      });
      // At once: a connection may still be waiting out its delay before it reconnects.
      const exit = await running.stop();
      expect(exit, running.service.output()).toEqual({ code: 0, signal: null });
    } finally {
      await running.service.kill();
    }
  }, 120_000);
});
