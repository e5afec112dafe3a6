import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfigText } from '../../../src/config/load-config.js';
import {
  REDACTED,
  redactConfig,
  redactNotifyUrl,
  redactRedisUrl,
} from '../../../src/config/redact-config.js';

// Every secret carries a marker no other part of the configuration contains.
const SECRETS = {
  API_ONE: 'api-S3CR3T-one-0123456789',
  API_TWO: 'api-S3CR3T-two-0123456789',
  API_READ: 'api-S3CR3T-read-0123456789',
  REDIS_PASSWORD: 'redis-S3CR3T-0123456789',
  REGISTRY_PASSWORD: 'registry-S3CR3T-0123456789',
  BEARER: 'bearer-S3CR3T-0123456789',
  HEADER: 'Bearer header-S3CR3T-0123456789',
  HMAC: 'hmac-S3CR3T-0123456789',
  PATH: 'path-S3CR3T-0123456789',
  NOTIFY_SECRET: 'notify-S3CR3T-0123456789',
  NOTIFY_PATH_TOKEN: 'slackpath-S3CR3T-0123456789',
  NOTIFY_QUERY_TOKEN: 'query-S3CR3T-0123456789',
  FINGERPRINT: 'fingerprint-S3CR3T-0123456789',
};

const YAML = `
server:
  apiTokens: ["\${API_ONE}", "\${API_TWO}", { token: "\${API_READ}", role: read }]
redis:
  url: "redis://default:\${REDIS_PASSWORD}@redis.internal:6379/3"
registries:
  - name: main
    url: https://registry.example.com
    credentials: { username: pushgate-bot, password: "\${REGISTRY_PASSWORD}" }
webhooks:
  - { adapter: distribution, registry: main, auth: { type: bearer, token: "\${BEARER}" } }
  - { adapter: harbor, auth: { type: header, header: Authorization, value: "\${HEADER}" } }
  - { adapter: ghcr, auth: { type: hmac-sha256, header: X-Hub-Signature-256, prefix: sha256=, secret: "\${HMAC}" } }
  - { adapter: dockerhub, auth: { type: path, secret: "\${PATH}" } }
  - { adapter: generic, auth: { type: none } }
enforcement:
  notify:
    - url: "https://hooks.slack.com/services/T000/B000/\${NOTIFY_PATH_TOKEN}"
      secret: "\${NOTIFY_SECRET}"
    - url: "https://alerts.example.com/hook?token=\${NOTIFY_QUERY_TOKEN}&\${NOTIFY_QUERY_TOKEN}"
secrets:
  fingerprintKey: "\${FINGERPRINT}"
`;

describe('redactConfig', () => {
  const { config } = loadConfigText(YAML, { env: SECRETS });

  it('leaves no secret, nor any part of one, anywhere in the copy', () => {
    const redacted = redactConfig(config);
    for (const text of [JSON.stringify(redacted), stringify(redacted)]) {
      expect(text).not.toContain('S3CR3T');
      for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    }
  });

  it('keeps everything else readable', () => {
    const redacted = redactConfig(config);
    expect(redacted.server.apiTokens).toEqual([REDACTED, REDACTED, { token: REDACTED, role: 'read' }]);
    expect(redacted.redis.url).toBe('redis://default:<redacted>@redis.internal:6379/3');
    expect(redacted.registries[0].credentials).toEqual({ username: 'pushgate-bot', password: REDACTED });
    expect(redacted.webhooks.map((w) => w.auth)).toEqual([
      { type: 'bearer', token: REDACTED },
      { type: 'header', header: 'Authorization', value: REDACTED },
      { type: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', secret: REDACTED },
      { type: 'path', secret: REDACTED },
      { type: 'none' },
    ]);
    expect(redacted.enforcement.notify).toEqual([
      { url: 'https://hooks.slack.com/services/T000/B000/<redacted>', secret: REDACTED },
      { url: 'https://alerts.example.com/<redacted>?token=<redacted>&<redacted>' },
    ]);
    expect(redacted.secrets.fingerprintKey).toBe(REDACTED);
    expect({
      ...redacted,
      server: config.server,
      redis: config.redis,
      registries: config.registries,
    }).toMatchObject({
      policies: config.policies,
      workers: config.workers,
      limits: config.limits,
      log: config.log,
    });
  });

  it('does not touch the original', () => {
    redactConfig(config);
    expect(config.server.apiTokens).toEqual([
      SECRETS.API_ONE,
      SECRETS.API_TWO,
      { token: SECRETS.API_READ, role: 'read' },
    ]);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('redacts URL passwords in every place they can hide', () => {
    expect(redactRedisUrl('redis://:pw@h:6379')).toBe('redis://:<redacted>@h:6379');
    expect(redactRedisUrl('rediss://h:6380/0?password=pw')).toBe('rediss://h:6380/0?password=<redacted>');
    expect(redactRedisUrl('redis://h')).toBe('redis://h');
    expect(redactRedisUrl('redis://[bad')).toBe(REDACTED);
    expect(redactNotifyUrl('https://user:pw@example.com/a/b?x=1#frag')).toBe(
      'https://user:<redacted>@example.com/a/<redacted>?x=<redacted>',
    );
    expect(redactNotifyUrl('https://example.com/')).toBe('https://example.com/');
  });
});
