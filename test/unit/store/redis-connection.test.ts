import { describe, expect, it } from 'vitest';
import { createRedis, redactRedisUrl } from '../../../src/store/redis-connection.js';

describe('redactRedisUrl', () => {
  it('hides the password and a user name', () => {
    const redacted = redactRedisUrl('redis://admin:s3cret-pass@redis.internal:6380/2');
    expect(redacted).toBe('redis://***:***@redis.internal:6380/2');
    expect(redactRedisUrl('redis://:s3cret-pass@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
  });

  it('leaves a URL without credentials as it is, and never echoes what is not a URL', () => {
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('s3cret-pass@nohost')).toBe('<unparseable Redis URL>');
  });
});

describe('createRedis', () => {
  it('refuses what is not a redis:// or rediss:// URL without echoing it', () => {
    for (const url of ['http://:s3cret-pass@host:6379', 's3cret-pass', 'redis://:s3cret-pass@']) {
      let caught: unknown;
      try {
        createRedis(url, { name: 'test', lazyConnect: true });
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: 'CONFIG_INVALID' });
      expect((caught as Error).message).not.toContain('s3cret-pass');
    }
  });
});
