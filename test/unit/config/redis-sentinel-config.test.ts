import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isPushgateError } from '../../../src/errors.js';
import { loadConfigText, type LoadedConfig } from '../../../src/config/load-config.js';
import { REDACTED, redactConfig } from '../../../src/config/redact-config.js';
import { parseSentinelAddress } from '../../../src/config/sentinel-address.js';
import { describeRedisTarget } from '../../../src/store/redis-connection.js';
import { hasRedisTarget, redisTarget } from '../../../src/store/redis-target.js';

const QUIET_ENV = {
  PUSHGATE_API_TOKENS: 'api-token-0123456789',
  PUSHGATE_SECRETS_FINGERPRINT_KEY: 'test-fingerprint-key-0123456789',
};
const LOCAL = 'registries:\n  - { name: local, url: "http://127.0.0.1:5000" }\n';
const SENTINELS = 'sentinels: ["10.0.0.1:26379", "sentinel-1.redis:26379", "[fd00::3]:26379"]';

function load(yaml: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  return loadConfigText(`${LOCAL}${yaml}`, { env: { ...QUIET_ENV, ...env }, source: 'c.yaml' });
}

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    load(yaml, env);
  } catch (err) {
    if (!isPushgateError(err) || err.code !== 'CONFIG_INVALID') throw err;
    return (err.details?.problems as string[]).map((p) => p.replace(/ \(c\.yaml:\d+:\d+\)$/, ''));
  }
  throw new Error('expected the configuration to be refused');
}

/** The Redis section's warnings (a file without webhooks is warned about too). */
function warningsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  return load(yaml, env)
    .warnings.map((w) => w.replace(/ \(c\.yaml:\d+:\d+\)$/, ''))
    .filter((w) => w.startsWith('redis'));
}

describe('redis: Sentinel keys', () => {
  it('reads sentinels, the master name and both passwords from the environment', () => {
    const env = {
      REDIS_PASSWORD: 'data-S3CR3T-0123456789',
      REDIS_SENTINEL_PASSWORD: 'sentinel-S3CR3T-0123456789',
    };
    const yaml = `redis: { ${SENTINELS}, sentinelName: cache-primary }\n`;
    const { config } = load(yaml, env);
    expect(warningsOf(yaml, env)).toEqual([]);
    expect(config.redis).toEqual({
      sentinels: ['10.0.0.1:26379', 'sentinel-1.redis:26379', '[fd00::3]:26379'],
      sentinelName: 'cache-primary',
      password: 'data-S3CR3T-0123456789',
      sentinelPassword: 'sentinel-S3CR3T-0123456789',
      prefix: 'pushgate',
    });
    const target = redisTarget(config.redis);
    expect(target).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-1.redis', port: 26379 },
        { host: 'fd00::3', port: 26379 },
      ],
      name: 'cache-primary',
      password: 'data-S3CR3T-0123456789',
      sentinelPassword: 'sentinel-S3CR3T-0123456789',
    });
    expect(describeRedisTarget(target)).toBe(
      'sentinel master cache-primary via 10.0.0.1:26379,sentinel-1.redis:26379,[fd00::3]:26379',
    );
  });

  it('takes the passwords from ${VAR} in the file too', () => {
    const { config } = load(
      `redis: { ${SENTINELS}, sentinelName: mymaster, password: "\${PW}", sentinelPassword: "\${SPW:-}" }\n`,
      { PW: 'from-the-file-0123456789' },
    );
    // An empty password is none: `${VAR:-}` lets one file serve with and without a password.
    expect(redisTarget(config.redis)).toEqual({
      kind: 'sentinel',
      sentinels: expect.any(Array) as unknown,
      name: 'mymaster',
      password: 'from-the-file-0123456789',
    });
  });

  it('refuses url together with sentinels, naming both ways', () => {
    expect(problemsOf(`redis: { url: "redis://r:6379", ${SENTINELS}, sentinelName: m }\n`)).toEqual([
      'redis.sentinels: set either redis.url (one Redis server) or redis.sentinels (Redis Sentinel finds the primary), not both',
    ]);
    expect(problemsOf(`redis: { ${SENTINELS}, sentinelName: m }\n`, { REDIS_URL: 'redis://r:6379' })).toEqual(
      [
        'redis.sentinels: set either redis.url (one Redis server) or redis.sentinels (Redis Sentinel finds the primary), not both',
      ],
    );
  });

  it('needs the master name with sentinels', () => {
    expect(problemsOf(`redis: { ${SENTINELS} }\n`)).toEqual([
      'redis.sentinelName: is required with redis.sentinels: the master name the sentinels monitor (`sentinel monitor NAME …`, often mymaster)',
    ]);
  });

  it('refuses malformed sentinels and master names with what is expected', () => {
    expect(
      problemsOf(
        'redis: { sentinels: ["10.0.0.1", "redis://s:26379", "s:0", "s:99999", 26379], sentinelName: "my master" }\n',
      ),
    ).toEqual([
      'redis.sentinels[0]: must be host:port (an IPv6 address in brackets: [::1]:26379)',
      'redis.sentinels[1]: must be host:port (an IPv6 address in brackets: [::1]:26379)',
      'redis.sentinels[2]: the port must be from 1 to 65535',
      'redis.sentinels[3]: the port must be from 1 to 65535',
      'redis.sentinels[4]: must be a string (quote it in YAML)',
      "redis.sentinelName: must be letters, digits, '_', '.' and '-'",
    ]);
  });

  it('refuses a password that contradicts the one in the URL, and accepts the same one', () => {
    expect(
      problemsOf('redis: { url: "redis://:in-the-url@r:6379" }\n', { REDIS_PASSWORD: 'another-one' }),
    ).toEqual([
      'redis.password: differs from the password in redis.url: set the password in one place (REDIS_PASSWORD, or the URL) (from REDIS_PASSWORD)',
    ]);
    expect(
      load('redis: { url: "redis://:same@r:6379" }\n', { REDIS_PASSWORD: 'same' }).config.redis.password,
    ).toBe('same');
    // A URL without one takes REDIS_PASSWORD.
    const { config } = load('redis: { url: "redis://r:6379/2" }\n', { REDIS_PASSWORD: 'pw-0123456789' });
    expect(redisTarget(config.redis)).toEqual({
      kind: 'url',
      url: 'redis://r:6379/2',
      password: 'pw-0123456789',
    });
  });

  it('warns about one sentinel and an unused sentinel password', () => {
    expect(warningsOf('redis: { sentinels: ["s:26379"], sentinelName: m }\n')).toEqual([
      'redis.sentinels: lists one sentinel: while it is down pushgate cannot find the primary; list every sentinel (three or more)',
    ]);
    expect(warningsOf('redis: { url: "redis://r:6379" }\n', { REDIS_SENTINEL_PASSWORD: 'x' })).toEqual([
      'redis.sentinelPassword: is set but not used: redis.sentinels is not set (from REDIS_SENTINEL_PASSWORD)',
    ]);
  });

  it('an empty sentinel list is no Sentinel: the URL (or `pushgate start`) is used', () => {
    const { config } = load('redis: { url: "redis://r:6379", sentinels: [] }\n');
    expect(redisTarget(config.redis)).toEqual({ kind: 'url', url: 'redis://r:6379' });
    const none = load('redis: { sentinels: [] }\n').config.redis;
    expect(hasRedisTarget(none)).toBe(false);
    expect(() => redisTarget(none)).toThrow(/no Redis configured: set REDIS_URL .*redis\.sentinels/);
  });

  it('config show redacts both passwords and keeps the rest', () => {
    const { config } = load(`redis: { ${SENTINELS}, sentinelName: mymaster }\n`, {
      REDIS_PASSWORD: 'data-S3CR3T-0123456789',
      REDIS_SENTINEL_PASSWORD: 'sentinel-S3CR3T-0123456789',
    });
    const redacted = redactConfig(config);
    expect(stringify(redacted)).not.toContain('S3CR3T');
    expect(redacted.redis).toMatchObject({
      sentinels: config.redis.sentinels,
      sentinelName: 'mymaster',
      password: REDACTED,
      sentinelPassword: REDACTED,
    });
  });
});

describe('parseSentinelAddress', () => {
  it('reads host:port and [ipv6]:port, and nothing else', () => {
    expect(parseSentinelAddress('redis-sentinel.ns.svc:26379')).toEqual({
      host: 'redis-sentinel.ns.svc',
      port: 26379,
    });
    expect(parseSentinelAddress('[::1]:26379')).toEqual({ host: '::1', port: 26379 });
    for (const bad of ['::1:26379', 'host', 'host:', ':26379', 'host:0', 'host:65536', 'a b:1'])
      expect([bad, parseSentinelAddress(bad)]).toEqual([bad, undefined]);
  });
});
