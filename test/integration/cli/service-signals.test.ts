import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
