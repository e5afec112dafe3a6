import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalRedis, type LocalRedis } from '../../../src/cli/local-redis.js';
import { redisCommand } from '../../support/redis.js';
import { tempDir } from '../../support/temp-dir.js';

/** The quick start's Redis (`pushgate start` without REDIS_URL). */
describe('startLocalRedis', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(cwd: string): Promise<LocalRedis> {
    const redis = await startLocalRedis({ cwd });
    cleanup.push(() => redis.stop());
    return redis;
  }

  it('serves on 127.0.0.1 with its append-only file under ./.pushgate/redis, and refuses a second server there', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    const redis = await start(dir.path);
    const port = Number(new URL(redis.url).port);
    expect(await redisCommand(port, 'PING')).toBe('+PONG');
    expect(redis.dir).toBe(join(dir.path, '.pushgate', 'redis'));
    await expect(startLocalRedis({ cwd: dir.path })).rejects.toThrow(
      /already uses .*another `pushgate start`/,
    );

    await redisCommand(port, 'SET kept-over-restarts 1');
    await redis.stop();
    expect(existsSync(join(redis.dir, 'appendonlydir'))).toBe(true);
    const again = await start(dir.path);
    expect(await redisCommand(Number(new URL(again.url).port), 'GET kept-over-restarts')).toBe('$1');
  });

  it('reports a redis-server that dies after starting', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    const redis = await start(dir.path);
    process.kill(redis.pid, 'SIGKILL');
    await expect(redis.died).resolves.toBe('signal SIGKILL');
  });

  it('says in one line how to get Redis when redis-server is missing', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    await expect(startLocalRedis({ cwd: dir.path, binary: '/nonexistent/redis-server' })).rejects.toThrow(
      /apt-get install redis-server.*REDIS_URL/,
    );
  });
});
