import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCommand, startRedis, type RedisServer } from '../../support/redis.js';

describe('startRedis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('runs a private redis-server with AOF on', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await redisCommand(redis.port, 'SET pushgate-test 1')).toBe('+OK');
    expect(await redisCommand(redis.port, 'CONFIG GET appendonly')).toBe('*2');
  });

  it('is gone after stop', async () => {
    const other = await startRedis();
    await other.stop();
    await expect(redisCommand(other.port, 'PING')).rejects.toThrow();
  });
});
