import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPushgateError, type PushgateError } from '../../../src/errors.js';
import { DEVELOPMENT_FINGERPRINT_KEY } from '../../../src/config/check-config.js';
import { DEFAULTS_SOURCE, loadConfig, loadConfigText } from '../../../src/config/load-config.js';
import { tempDir } from '../../support/temp-dir.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));

const MINIMAL = `
registries:
  - name: local
    url: http://127.0.0.1:5000
`;

function failure(run: () => unknown): { error: PushgateError; problems: string[] } {
  try {
    run();
  } catch (err) {
    if (!isPushgateError(err)) throw err;
    return { error: err, problems: (err.details?.problems as string[] | undefined) ?? [] };
  }
  throw new Error('expected CONFIG_INVALID, but the configuration loaded');
}

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  const { error, problems } = failure(() => loadConfigText(yaml, { env, source: '/etc/pushgate/test.yaml' }));
  expect(error.code).toBe('CONFIG_INVALID');
  return problems;
}

describe('loadConfig: which configuration', () => {
  let dir: { path: string; remove(): Promise<void> };
  beforeAll(async () => {
    dir = await tempDir('pushgate-config-');
    await writeFile(join(dir.path, 'pushgate.yaml'), MINIMAL.replace('local', 'from-cwd'));
    await writeFile(join(dir.path, 'env.yaml'), MINIMAL.replace('local', 'from-env'));
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('reads options.path first, then PUSHGATE_CONFIG, then ./pushgate.yaml', () => {
    const explicit = loadConfig({
      path: join(FIXTURES, 'minimal.yaml'),
      env: { PUSHGATE_CONFIG: 'env.yaml' },
      cwd: dir.path,
    });
    expect(explicit.source).toBe(join(FIXTURES, 'minimal.yaml'));
    expect(explicit.config.registries[0].name).toBe('local');

    const fromEnv = loadConfig({ env: { PUSHGATE_CONFIG: 'env.yaml' }, cwd: dir.path });
    expect(fromEnv.source).toBe(join(dir.path, 'env.yaml'));
    expect(fromEnv.config.registries[0].name).toBe('from-env');

    const fromCwd = loadConfig({ env: { PUSHGATE_CONFIG: '' }, cwd: dir.path });
    expect(fromCwd.source).toBe(join(dir.path, 'pushgate.yaml'));
    expect(fromCwd.config.registries[0].name).toBe('from-cwd');
  });

  it('names a file that cannot be read', () => {
    const { error } = failure(() => loadConfig({ path: 'missing.yaml', env: {}, cwd: dir.path }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(join(dir.path, 'missing.yaml'));
    expect(error.message).toContain('ENOENT');
  });

  it('falls back to the development defaults, loudly, when there is no file at all', () => {
    const { config, warnings, source } = loadConfig({ env: {}, cwd: FIXTURES });
    expect(source).toBe(DEFAULTS_SOURCE);
    expect(config.registries).toEqual([
      {
        name: 'local',
        url: 'http://127.0.0.1:5000',
        host: '127.0.0.1:5000',
        aliases: ['localhost:5000'],
        allowDelete: true,
      },
    ]);
    expect(config.webhooks).toEqual([
      { name: 'distribution', adapter: 'distribution', registry: 'local', auth: { type: 'none' } },
    ]);
    expect(config.policies.paths).toEqual([join(FIXTURES, 'policies')]);
    // A first run shows the tag action too (a warn image gets it: passTagOnWarn).
    expect(config.enforcement.passTag).toBe('{{tag}}-verified');
    expect(config.enforcement.passTagOnWarn).toBe(true);
    expect(warnings.some((w) => w.includes('built-in development defaults'))).toBe(true);
    expect(
      warnings.some(
        (w) => w.startsWith('WEBHOOK AUTHENTICATION IS OFF') && w.includes('PUSHGATE_WEBHOOK_TOKEN'),
      ),
    ).toBe(true);
    // The loud warning replaces the generic one: no second warning about the same endpoint.
    expect(warnings.filter((w) => w.includes('type none'))).toEqual([]);
  });

  it('protects the development endpoint with PUSHGATE_WEBHOOK_TOKEN when it is set', () => {
    const token = 'dev-webhook-token-0123456789';
    const { config, warnings } = loadConfig({ env: { PUSHGATE_WEBHOOK_TOKEN: token }, cwd: FIXTURES });
    expect(config.webhooks[0].auth).toEqual({ type: 'bearer', token });
    expect(warnings.some((w) => w.includes('AUTHENTICATION IS OFF'))).toBe(false);
    expect(warnings.join('\n')).not.toContain(token);
  });
});

describe('loadConfig: defaults', () => {
  it('fills in every default of a minimal file', () => {
    const { config } = loadConfig({ path: join(FIXTURES, 'minimal.yaml'), env: {} });
    expect(config).toEqual({
      server: { host: '0.0.0.0', port: 8080, apiTokens: [], maxBodyBytes: 1048576, bullBoard: true },
      redis: { prefix: 'pushgate' },
      registries: [
        {
          name: 'local',
          url: 'http://127.0.0.1:5000',
          host: '127.0.0.1:5000',
          aliases: [],
          allowDelete: true,
        },
      ],
      webhooks: [],
      policies: { paths: [join(FIXTURES, 'policies')], onError: 'fail-closed' },
      enforcement: {
        dryRun: false,
        reject: 'delete',
        rejectUnjudged: 'auto',
        quarantineRepository: 'quarantine/{{repository}}',
        failTag: '{{tag}}-rejected',
        passTagOnWarn: true,
        attachReport: true,
        notify: [],
      },
      workers: {
        inspectConcurrency: 1,
        enforceConcurrency: 4,
        sandbox: 'process',
        attempts: 8,
        backoffMs: 1000,
        lockDurationMs: 30000,
        stalledIntervalMs: 30000,
      },
      limits: {
        scanTimeoutMs: 900000,
        maxLayerBytes: 16 * 1024 ** 3,
        maxLayerEntries: 2000000,
        maxLayers: 256,
        maxImageBytes: 64 * 1024 ** 3,
        minBodyBytesPerSecond: 1024,
        bodyStallWindowMs: 60000,
      },
      admission: {
        enabled: false,
        port: 8443,
        host: '0.0.0.0',
        mode: 'enforce',
        maxBodyBytes: 4 * 1024 * 1024,
        deadlineMs: 3000,
        errorVerdicts: 'deny',
        unknownImages: 'deny',
        unconfiguredRegistries: 'deny',
        onUnavailable: 'deny',
        exemptNamespaces: [],
        exemptImages: [],
        mutate: { enabled: false },
        protectAdmittedDays: 30,
      },
      secrets: { fingerprintKey: DEVELOPMENT_FINGERPRINT_KEY },
      log: { level: 'info', format: 'auto' },
    });
  });

  it('warns that the fingerprint key should be set, and stops once it is', () => {
    const unset = loadConfigText(MINIMAL, { env: {} });
    expect(
      unset.warnings.some(
        (w) => w.startsWith('secrets.fingerprintKey:') && w.includes('PUSHGATE_SECRETS_FINGERPRINT_KEY'),
      ),
    ).toBe(true);
    const key = 'a-real-fingerprint-key-0123456789';
    const set = loadConfigText(MINIMAL, { env: { PUSHGATE_SECRETS_FINGERPRINT_KEY: key } });
    expect(set.config.secrets.fingerprintKey).toBe(key);
    expect(set.warnings.some((w) => w.startsWith('secrets.fingerprintKey:'))).toBe(false);
  });

  it('fills defaults inside a webhook auth (hmac prefix) and names endpoints after their adapter', () => {
    const { config } = loadConfigText(
      `${MINIMAL}
webhooks:
  - adapter: jfrog
    auth: { type: hmac-sha256, header: X-JFrog-Event-Auth, secret: jfrog-secret-0123456789 }
`,
      { env: {} },
    );
    expect(config.webhooks[0]).toEqual({
      name: 'jfrog',
      adapter: 'jfrog',
      auth: {
        type: 'hmac-sha256',
        header: 'X-JFrog-Event-Auth',
        secret: 'jfrog-secret-0123456789',
        prefix: '',
      },
    });
  });

  it('resolves relative policy paths against the file, absolute ones unchanged', () => {
    const { config } = loadConfigText(`${MINIMAL}\npolicies:\n  paths: [rules, /srv/policies]\n`, {
      env: {},
      source: '/etc/pushgate/pushgate.yaml',
      baseDir: '/etc/pushgate',
    });
    expect(config.policies.paths).toEqual(['/etc/pushgate/rules', '/srv/policies']);
  });
});

describe('loadConfig: environment overrides', () => {
  it('reads API token roles from PUSHGATE_API_TOKENS and the file; a plain token is admin', () => {
    const { config } = loadConfigText(
      `${MINIMAL}\nserver: { apiTokens: [file-plain-0123456789, { token: file-read-0123456789, role: read }] }\n`,
      { env: {} },
    );
    expect(config.server.apiTokens).toEqual([
      'file-plain-0123456789',
      { token: 'file-read-0123456789', role: 'read' },
    ]);
    const fromEnv = loadConfigText(MINIMAL, {
      env: {
        PUSHGATE_API_TOKENS: 'admin:adm-0123456789abcdef, read:rd-0123456789abcdef,plain:0123456789abcdef',
      },
    });
    expect(fromEnv.config.server.apiTokens).toEqual([
      { token: 'adm-0123456789abcdef', role: 'admin' },
      { token: 'rd-0123456789abcdef', role: 'read' },
      'plain:0123456789abcdef',
    ]);
    expect(
      problemsOf(`${MINIMAL}\nserver: { apiTokens: [{ token: same-token-0123456789, role: reader }] }\n`),
    ).toEqual([expect.stringMatching(/^server\.apiTokens\[0\]/)]);
    expect(
      problemsOf(
        `${MINIMAL}\nserver: { apiTokens: [same-token-0123456789, { token: same-token-0123456789, role: read }] }\n`,
      ),
    ).toEqual([
      expect.stringMatching(
        /^server\.apiTokens\[1\]\.token: the same token as entry 0: a token has one role/,
      ),
    ]);
  });

  it('applies every documented variable over the file', () => {
    const { config } = loadConfigText(
      `${MINIMAL}\nserver: { host: 127.0.0.1, port: 9000 }\nlog: { level: warn }\n`,
      {
        env: {
          REDIS_URL: 'redis://redis.internal:6380/2',
          PUSHGATE_HOST: '::',
          PUSHGATE_PORT: '8181',
          PUSHGATE_API_TOKENS: ' token-one-0123456789 , token-two-0123456789 ,',
          PUSHGATE_LOG_LEVEL: 'DEBUG',
          PUSHGATE_DRY_RUN: '1',
          PUSHGATE_POLICIES: 'a,b:/abs/c',
          PUSHGATE_SECRETS_FINGERPRINT_KEY: 'fingerprint-key-from-env-0123',
          PUSHGATE_REDIS_PREFIX: 'pg-test',
          REDIS_PASSWORD: 'redis-password-0123',
          REDIS_SENTINEL_PASSWORD: 'sentinel-password-0123',
        },
        cwd: '/work/dir',
        source: '/etc/pushgate/pushgate.yaml',
        baseDir: '/etc/pushgate',
      },
    );
    expect(config.redis).toEqual({
      url: 'redis://redis.internal:6380/2',
      password: 'redis-password-0123',
      sentinelPassword: 'sentinel-password-0123',
      prefix: 'pg-test',
    });
    expect(config.server.host).toBe('::');
    expect(config.server.port).toBe(8181);
    expect(config.server.apiTokens).toEqual(['token-one-0123456789', 'token-two-0123456789']);
    expect(config.log.level).toBe('debug');
    expect(config.enforcement.dryRun).toBe(true);
    // From the environment, relative paths start at the working directory, not the file's.
    expect(config.policies.paths).toEqual(['/work/dir/a', '/work/dir/b', '/abs/c']);
    expect(config.secrets.fingerprintKey).toBe('fingerprint-key-from-env-0123');
  });

  it('reads PUSHGATE_DRY_RUN as true/false/1/0 and treats an empty variable as unset', () => {
    const dryRun = (value: string) =>
      loadConfigText(`${MINIMAL}\nenforcement: { dryRun: true }\n`, { env: { PUSHGATE_DRY_RUN: value } })
        .config.enforcement.dryRun;
    expect(dryRun('false')).toBe(false);
    expect(dryRun('0')).toBe(false);
    expect(dryRun('TRUE')).toBe(true);
    expect(dryRun('')).toBe(true);
  });

  it('reports bad values naming the variable', () => {
    const problems = problemsOf(MINIMAL, {
      PUSHGATE_PORT: '80a',
      PUSHGATE_DRY_RUN: 'maybe',
      PUSHGATE_LOG_LEVEL: 'loud',
      REDIS_URL: 'http://redis:6379',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'server.port: must be a port number from 0 to 65535 (from PUSHGATE_PORT)',
        'enforcement.dryRun: must be true, false, 1 or 0 (from PUSHGATE_DRY_RUN)',
        'log.level: must be one of: fatal, error, warn, info, debug, trace, silent (from PUSHGATE_LOG_LEVEL)',
        'redis.url: must be a redis:// or rediss:// URL (from REDIS_URL)',
      ]),
    );
    expect(problems).toHaveLength(4);
    expect(problemsOf(MINIMAL, { PUSHGATE_PORT: '65536' })).toEqual([
      'server.port: must be a port number from 0 to 65535 (from PUSHGATE_PORT)',
    ]);
  });

  it('replaces a file value whose ${VAR} is unset', () => {
    const { config } = loadConfigText(`${MINIMAL}\nserver: { port: "\${UNSET_PORT}" }\n`, {
      env: { PUSHGATE_PORT: '9999' },
    });
    expect(config.server.port).toBe(9999);
  });
});

describe('loadConfig: ${VAR} interpolation', () => {
  const withToken = (token: string) => `${MINIMAL}
webhooks:
  - adapter: distribution
    auth: { type: bearer, token: "${token}" }
`;

  it('substitutes set variables, anywhere in a string', () => {
    const { config } = loadConfigText(withToken('pre-${HOOK_TOKEN}-post'), {
      env: { HOOK_TOKEN: 'abcdefghijklmnop' },
    });
    expect(config.webhooks[0].auth).toEqual({ type: 'bearer', token: 'pre-abcdefghijklmnop-post' });
  });

  it('uses the :-default when the variable is unset or empty', () => {
    const yaml = withToken('${HOOK_TOKEN:-fallback-token-0123456789}');
    expect(loadConfigText(yaml, { env: {} }).config.webhooks[0].auth).toEqual({
      type: 'bearer',
      token: 'fallback-token-0123456789',
    });
    expect(loadConfigText(yaml, { env: { HOOK_TOKEN: '' } }).config.webhooks[0].auth).toEqual({
      type: 'bearer',
      token: 'fallback-token-0123456789',
    });
    expect(
      loadConfigText(yaml, { env: { HOOK_TOKEN: 'from-the-environment' } }).config.webhooks[0].auth,
    ).toEqual({
      type: 'bearer',
      token: 'from-the-environment',
    });
  });

  it('reports an unset variable by name and config path, never a value', () => {
    const problems = problemsOf(withToken('${HOOK_TOKEN}'), { OTHER: 'x' });
    expect(problems).toEqual([
      'webhooks[0].auth.token: environment variable HOOK_TOKEN is not set (and no :-default is given) (test.yaml:8:27)',
    ]);
  });

  it('keeps $${ as a literal ${ and a lone $ as written', () => {
    const { config } = loadConfigText(withToken('pa$$word-$${NOT_A_VAR}-0123456789'), { env: {} });
    expect(config.webhooks[0].auth).toEqual({ type: 'bearer', token: 'pa$$word-${NOT_A_VAR}-0123456789' });
  });

  it('refuses malformed expressions without quoting them', () => {
    const problems = problemsOf(withToken('${HOOK_TOKEN:?secret-default-value}'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^webhooks\[0\]\.auth\.token: malformed \$\{…\} expression/);
    expect(problems[0]).not.toContain('secret-default-value');
    expect(problemsOf(withToken('${HOOK_TOKEN'))[0]).toMatch(/unterminated/);
  });

  it('converts interpolated numbers and booleans where the schema wants them', () => {
    const { config } = loadConfigText(
      `${MINIMAL}\nserver: { port: "\${PORT:-8443}", bullBoard: "\${BOARD}" }\nworkers:\n  attempts: \${ATTEMPTS}\n`,
      { env: { BOARD: 'false', ATTEMPTS: '3' } },
    );
    expect(config.server.port).toBe(8443);
    expect(config.server.bullBoard).toBe(false);
    expect(config.workers.attempts).toBe(3);
    expect(problemsOf(`${MINIMAL}\nserver: { port: "\${PORT}" }\n`, { PORT: 'eighty' })).toEqual([
      'server.port: must be an integer (the value from the environment could not be read as one) (test.yaml:6:11)',
    ]);
  });

  it('leaves keys alone', () => {
    expect(problemsOf(`${MINIMAL}\nserver: { "\${KEY}": 1 }\n`, { KEY: 'port' })[0]).toMatch(
      /^server\["\$\{KEY\}"\]: unknown key/,
    );
  });
});

describe('loadConfig: problems', () => {
  it('reports YAML syntax errors with line and column, without the source text', () => {
    // Inline rather than a fixture file: `prettier --check .` would stumble on it.
    const yaml = [
      'registries:',
      '  - name: local',
      '    url: http://127.0.0.1:5000',
      'webhooks:',
      '  - adapter: distribution',
      '    auth: { type: bearer, token: "unterminated-secret-value',
      'log:',
      '  level: info',
      '',
    ].join('\n');
    const { error, problems } = failure(() =>
      loadConfigText(yaml, { env: {}, source: '/etc/pushgate/syntax-error.yaml' }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^syntax-error\.yaml:\d+:\d+: YAML syntax error: /);
    expect(error.message).not.toContain('unterminated-secret-value');
  });

  it('reports duplicate keys and several documents as YAML errors', () => {
    expect(problemsOf(`${MINIMAL}\nlog: { level: info }\nlog: { level: warn }\n`)[0]).toMatch(
      /^test\.yaml:7:1: YAML syntax error: .*unique/i,
    );
    expect(problemsOf(`${MINIMAL}\n---\n${MINIMAL}`)[0]).toMatch(
      /^test\.yaml:\d+:\d+: YAML syntax error: .*document/i,
    );
  });

  it('needs a mapping with at least one registry', () => {
    expect(problemsOf('- a\n- b\n')).toEqual([
      '(root): must be a mapping of sections (server, redis, registries, webhooks, …)',
    ]);
    expect(problemsOf('')).toEqual(['registries: is required']);
    expect(problemsOf('registries: []\n')).toEqual([
      'registries: must have at least 1 entry (test.yaml:1:1)',
    ]);
  });

  it('reports every unknown key at once, with where it is and what was expected', () => {
    const problems = problemsOf(`
colour: blue
server: { prot: 80 }
registries:
  - { name: local, url: "http://127.0.0.1:5000", hots: x }
webhooks:
  - { adapter: generic, auth: { type: bearer, token: generic-token-0123456789, extra: 1 } }
`);
    expect(problems).toEqual([
      'colour: unknown key (expected one of: server, redis, registries, webhooks, policies, enforcement, workers, limits, admission, secrets, log) (test.yaml:2:1)',
      'server.prot: unknown key (expected one of: host, port, apiTokens, maxBodyBytes, bullBoard) (test.yaml:3:11)',
      'registries[0].hots: unknown key (expected one of: name, url, host, aliases, credentials, pullCredentials, allowedHosts, allowDelete) (test.yaml:5:50)',
      'webhooks[0].auth.extra: unknown key (expected one of: type, token) (test.yaml:7:80)',
    ]);
  });

  it("reports the wrong types and enum values in the user's terms", () => {
    const problems = problemsOf(`${MINIMAL}
server: { port: "8080", bullBoard: yes }
workers: { sandbox: docker, attempts: 0 }
webhooks:
  - { adapter: gitlab, auth: { type: basic } }
`);
    expect(problems).toEqual([
      'server.port: must be an integer (test.yaml:6:11)',
      'server.bullBoard: must be a boolean (test.yaml:6:25)',
      'workers.sandbox: must be one of: process, thread (test.yaml:7:12)',
      'workers.attempts: must be >= 1 (test.yaml:7:29)',
      'webhooks[0].adapter: must be one of: distribution, harbor, dockerhub, quay, ghcr, acr, jfrog, generic (test.yaml:9:7)',
      'webhooks[0].auth.type: must be one of: bearer, header, hmac-sha256, path, none (test.yaml:9:32)',
    ]);
  });

  it('reports schema and semantic problems of one file together, in file order', () => {
    const { error, problems } = failure(() => loadConfig({ path: join(FIXTURES, 'invalid.yaml'), env: {} }));
    expect(problems).toEqual([
      'server.port: must be <= 65535 (invalid.yaml:3:3)',
      'server.colour: unknown key (expected one of: host, port, apiTokens, maxBodyBytes, bullBoard) (invalid.yaml:4:3)',
      'registries[0].url: must be an http:// or https:// URL (invalid.yaml:7:5)',
      'registries[1].name: registry name "one" is already used by registries[0] (invalid.yaml:8:5)',
      'registries[1].url: must have no path: the registry API is always under /v2/ of the URL (invalid.yaml:9:5)',
      'registries[2].url: must not hold credentials: put them under credentials (username, password) (invalid.yaml:11:5)',
      'webhooks[0].registry: no registry is named "nowhere" (configured: one, three) (invalid.yaml:14:5)',
      'webhooks[1].name: endpoint name "distribution" is already used by webhooks[0] (the name defaults to the adapter id: give each endpoint its own name) (invalid.yaml:16:5)',
      'webhooks[1].auth.secret: the HMAC secret must not be blank (invalid.yaml:17:53)',
      expect.stringMatching(/^enforcement\.failTag: template "\{\{tag\}\}" has no literal text/),
    ]);
    expect(error.message).toContain(
      `configuration ${join(FIXTURES, 'invalid.yaml')} is invalid (10 problems):`,
    );
    expect(error.message).not.toContain('hunter2-registry-password');
  });
});

describe('loadConfig: result', () => {
  it('is deep-frozen', () => {
    const { config } = loadConfigText(
      `${MINIMAL}\nwebhooks:\n  - { adapter: generic, auth: { type: bearer, token: generic-token-0123456789 } }\n`,
      { env: {} },
    );
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server.apiTokens)).toBe(true);
    expect(Object.isFrozen(config.registries[0].aliases)).toBe(true);
    expect(Object.isFrozen(config.webhooks[0].auth)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (config.registries as unknown[]).push({})).toThrow(TypeError);
  });

  it('never puts a secret in an error or a warning', () => {
    const secrets = {
      API: 'api-secret-value-AAAA',
      PASSWORD: 'registry-password-BBBB',
      TOKEN: 'hook-token-CCCC',
      SHORT: 'short-DDDD',
      NOTIFY: 'notify-secret-EEEE',
      REDIS: 'redis-password-FFFF',
    };
    const yaml = `
server: { apiTokens: ["\${API}", "\${API}"] }
redis: { url: "redis://:\${REDIS}@redis:6379/x%" }
registries:
  - name: remote
    url: "http://remote.example.com:5000/path?\${PASSWORD}"
    credentials: { username: bot, password: "\${PASSWORD}" }
webhooks:
  - { adapter: quay, auth: { type: bearer, token: "\${TOKEN}" } }
  - { adapter: dockerhub, name: hub, auth: { type: path, secret: "\${TOKEN}/x" } }
  - { adapter: generic, name: gen, auth: { type: header, header: "X Bad", value: "\${SHORT}" } }
enforcement:
  notify:
    - { url: "https://hooks.example.com/\${NOTIFY}", secret: "\${SHORT}" }
secrets: { fingerprintKey: "\${SHORT}" }
`;
    const { error, problems } = failure(() => loadConfigText(yaml, { env: secrets }));
    expect(problems.length).toBeGreaterThanOrEqual(4);
    for (const secret of Object.values(secrets)) expect(error.message).not.toContain(secret);

    const valid = loadConfigText(
      `
registries:
  - { name: remote, url: "http://remote.example.com:5000", credentials: { username: bot, password: "\${PASSWORD}" } }
webhooks:
  - { adapter: quay, auth: { type: bearer, token: "\${TOKEN}" } }
  - { adapter: generic, auth: { type: header, header: X-Token, value: "\${SHORT}" } }
enforcement:
  notify: [{ url: "https://hooks.example.com/\${NOTIFY}" }]
`,
      { env: secrets },
    );
    expect(valid.warnings.length).toBeGreaterThanOrEqual(4);
    for (const secret of Object.values(secrets)) expect(valid.warnings.join('\n')).not.toContain(secret);
  });
});
