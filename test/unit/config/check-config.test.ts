import { describe, expect, it } from 'vitest';
import { isPushgateError } from '../../../src/errors.js';
import { loadConfigText, type LoadedConfig } from '../../../src/config/load-config.js';

// Set through the environment so that tests can still write their own server and secrets sections.
const QUIET_ENV = {
  PUSHGATE_API_TOKENS: 'api-token-0123456789',
  PUSHGATE_SECRETS_FINGERPRINT_KEY: 'test-fingerprint-key-0123456789',
};
const LOCAL = 'registries:\n  - { name: local, url: "http://127.0.0.1:5000" }\n';

function load(yaml: string, env: NodeJS.ProcessEnv = QUIET_ENV): LoadedConfig {
  return loadConfigText(yaml, { env, source: 'c.yaml' });
}

/** The problems, without their `(c.yaml:line:col)` suffix. */
function problemsOf(yaml: string, env?: NodeJS.ProcessEnv): string[] {
  try {
    load(yaml, env);
  } catch (err) {
    if (!isPushgateError(err) || err.code !== 'CONFIG_INVALID') throw err;
    return (err.details?.problems as string[]).map((p) => p.replace(/ \(c\.yaml:\d+:\d+\)$/, ''));
  }
  throw new Error('expected the configuration to be refused');
}

function warningsOf(yaml: string): string[] {
  return load(yaml).warnings.map((w) => w.replace(/ \(c\.yaml:\d+:\d+\)$/, ''));
}

function webhook(line: string): string {
  return `${LOCAL}webhooks:\n  - ${line}\n`;
}

describe('registries', () => {
  it('derives host from the URL and normalises URL, host and aliases', () => {
    const { config } = load(`registries:
  - { name: a, url: "https://Registry.Example.com:443/" }
  - { name: b, url: "http://[::1]:5000", aliases: [LocalHost:5000] }
  - { name: c, url: "https://r.example.net", host: Mirror.Example.NET }
  - { name: hub, url: "https://registry-1.docker.io", aliases: [index.docker.io] }
`);
    expect(config.registries.map((r) => [r.url, r.host, r.aliases])).toEqual([
      ['https://registry.example.com', 'registry.example.com', []],
      ['http://[::1]:5000', '[::1]:5000', ['localhost:5000']],
      ['https://r.example.net', 'mirror.example.net', []],
      ['https://registry-1.docker.io', 'docker.io', ['index.docker.io']],
    ]);
  });

  it('refuses URLs with a path, query, fragment, credentials or another scheme', () => {
    expect(
      problemsOf(`registries:
  - { name: a, url: "https://r.example.com/v2" }
  - { name: b, url: "https://r.example.com/?x=1" }
  - { name: c, url: "https://r.example.com#top" }
  - { name: d, url: "https://bot:pw@r.example.com" }
  - { name: e, url: "oci://r.example.com" }
  - { name: f, url: "https://exa mple.com" }
`),
    ).toEqual([
      'registries[0].url: must have no path: the registry API is always under /v2/ of the URL',
      'registries[1].url: must have no query or fragment',
      'registries[2].url: must have no query or fragment',
      'registries[3].url: must not hold credentials: put them under credentials (username, password)',
      'registries[4].url: must be an http:// or https:// URL',
      'registries[5].url: is not a valid URL',
    ]);
  });

  it('refuses duplicate names and a host that names two registries', () => {
    expect(
      problemsOf(`registries:
  - { name: a, url: "https://one.example.com" }
  - { name: a, url: "https://two.example.com", aliases: [one.example.com] }
  - { name: c, url: "http://three.example.com:5000", host: two.example.com }
`),
    ).toEqual([
      'registries[1].name: registry name "a" is already used by registries[0]',
      'registries[1].aliases[0]: host "one.example.com" also names registries[0]: an event\'s host must lead to one registry',
      'registries[2].host: host "two.example.com" also names registries[1]: an event\'s host must lead to one registry',
    ]);
  });

  it('refuses an allowed host that is a wildcard over an IP address', () => {
    expect(
      problemsOf(`registries:
  - { name: a, url: "https://r.example.com", allowedHosts: ["*.cdn.example.net", "10.0.0.5:9000", "*.10.0.0.5"] }
`),
    ).toEqual([
      'registries[0].allowedHosts[2]: allowed host "*.10.0.0.5" is a wildcard over an IP address; wildcards never match IP addresses, list the address itself',
    ]);
  });

  it('warns about credentials sent over plain HTTP beyond loopback', () => {
    const creds = 'credentials: { username: bot, password: registry-password-0123456789 }';
    expect(
      warningsOf(`registries:
  - { name: a, url: "http://registry.lan:5000", ${creds} }
  - { name: b, url: "http://127.0.0.1:5000", ${creds} }
  - { name: c, url: "https://registry.example.com", ${creds} }
webhooks: []
`),
    ).toEqual([
      'registries[0].url: plain HTTP to a host that is not loopback: the credentials cross the network in clear',
      'webhooks: no webhook endpoint: images are inspected only when asked through POST /api/v1/scans',
    ]);
  });
});

describe('webhooks', () => {
  it('refuses a registry reference to a registry that does not exist', () => {
    expect(
      problemsOf(
        webhook(
          '{ adapter: harbor, registry: harbour, auth: { type: header, header: Authorization, value: harbor-value-0123456789 } }',
        ),
      ),
    ).toEqual(['webhooks[0].registry: no registry is named "harbour" (configured: local)']);
  });

  it('refuses two endpoints with one name, explicit or defaulted', () => {
    expect(
      problemsOf(`${LOCAL}webhooks:
  - { name: hook, adapter: generic, auth: { type: bearer, token: generic-token-0123456789 } }
  - { name: hook, adapter: acr, auth: { type: bearer, token: acr-token-0123456789 } }
  - { adapter: acr, auth: { type: bearer, token: acr-token-0123456789 } }
  - { name: quay, adapter: generic, auth: { type: bearer, token: generic-token-0123456789 } }
  - { adapter: quay, auth: { type: path, secret: quay-secret-0123456789 } }
`),
    ).toEqual([
      'webhooks[1].name: endpoint name "hook" is already used by webhooks[0]',
      'webhooks[4].name: endpoint name "quay" is already used by webhooks[3] (the name defaults to the adapter id: give each endpoint its own name)',
    ]);
  });

  it('requires auth on every endpoint, and warns about an explicit type: none', () => {
    expect(problemsOf(webhook('{ adapter: generic }'))).toEqual(['webhooks[0].auth: is required']);
    expect(warningsOf(webhook('{ adapter: generic, auth: { type: none } }'))).toEqual([
      expect.stringMatching(
        /^webhooks\[0\]\.auth: type none: anyone who can reach POST \/hooks\/generic can make pushgate/,
      ),
    ]);
  });

  it('requires the fields of each auth type, non-empty and not blank', () => {
    expect(
      problemsOf(`${LOCAL}webhooks:
  - { name: a, adapter: generic, auth: { type: bearer, token: "" } }
  - { name: b, adapter: generic, auth: { type: header, value: header-value-0123456789 } }
  - { name: c, adapter: generic, auth: { type: hmac-sha256, header: X-Sig, secret: "" } }
  - { name: d, adapter: generic, auth: { type: hmac-sha256, header: X-Sig, secret: "  " } }
  - { name: e, adapter: generic, auth: { type: path, secret: "has/slash" } }
  - { name: f, adapter: generic, auth: { type: header, header: "Bad Header", value: "\\t" } }
`),
    ).toEqual([
      'webhooks[0].auth.token: must not be empty',
      'webhooks[1].auth.header: is required',
      'webhooks[2].auth.secret: must not be empty',
      'webhooks[3].auth.secret: the HMAC secret must not be blank',
      'webhooks[4].auth.secret: must be URL-safe characters only (A-Z a-z 0-9 . _ ~ -)',
      'webhooks[5].auth.header: must be an HTTP header name',
      'webhooks[5].auth.value: the header value must not be blank',
    ]);
  });

  it('warns about auth a sender cannot send, GitHub signature details and short secrets', () => {
    expect(
      warningsOf(`${LOCAL}webhooks:
  - { adapter: dockerhub, auth: { type: bearer, token: hub-token-0123456789 } }
  - { adapter: ghcr, auth: { type: hmac-sha256, header: X-Signature, secret: ghcr-secret-0123456789 } }
  - { adapter: harbor, auth: { type: header, header: Authorization, value: short } }
`),
    ).toEqual([
      'webhooks[0].auth.type: dockerhub cannot send bearer auth (it can use: path): its deliveries would all be refused with 401',
      // A missing key is located at its parent mapping, before the header key.
      'webhooks[1].auth.prefix: GitHub prefixes its signature with "sha256="',
      'webhooks[1].auth.header: GitHub sends its signature in X-Hub-Signature-256',
      'webhooks[2].auth.value: the header value is shorter than 16 characters: it can be guessed',
    ]);
  });
});

describe('enforcement templates', () => {
  it('accepts distinguishable, valid templates', () => {
    const { config } = load(`${LOCAL}enforcement:
  failTag: "pushgate-{{decision}}-{{digest}}"
  passTag: "verified-{{tag}}"
  quarantineRepository: "quarantine"
`);
    expect(config.enforcement.passTag).toBe('verified-{{tag}}');
  });

  it('refuses templates that match every tag, render invalid tags or name unknown placeholders', () => {
    expect(
      problemsOf(`${LOCAL}enforcement:
  failTag: "{{ tag }}"
  passTag: "{{repository}}-ok"
`),
    ).toEqual([
      expect.stringMatching(/^enforcement\.failTag: template "\{\{ tag \}\}" has no literal text/),
      'enforcement.passTag: tag template "{{repository}}-ok" rendered "team/app-ok", which is not a valid tag',
    ]);
    expect(problemsOf(`${LOCAL}enforcement: { failTag: "{{name}}-x" }\n`)).toEqual([
      'enforcement.failTag: template "{{name}}-x": unknown placeholder {{name}}',
    ]);
  });

  it('refuses a pass tag that cannot be told from the fail tag', () => {
    expect(
      problemsOf(`${LOCAL}enforcement: { failTag: "{{tag}}-checked", passTag: "{{tag}}-checked" }\n`),
    ).toEqual([
      'enforcement.passTag: cannot be told apart from failTag: some tags match both templates, so pushgate could not tell which of its writes a tag is',
    ]);
    expect(problemsOf(`${LOCAL}enforcement: { failTag: "x-{{tag}}", passTag: "{{tag}}-x" }\n`)).toHaveLength(
      1,
    );
  });

  it("refuses a quarantine repository that is not a repository or is the image's own", () => {
    expect(
      problemsOf(`${LOCAL}enforcement: { quarantineRepository: "Quarantine/{{repository}}" }\n`),
    ).toEqual([
      'enforcement.quarantineRepository: renders "Quarantine/team/app" for repository team/app, which is not a valid repository name (lower-case path components)',
    ]);
    expect(problemsOf(`${LOCAL}enforcement: { quarantineRepository: "{{repository}}" }\n`)).toEqual([
      expect.stringMatching(
        /^enforcement\.quarantineRepository: template "\{\{repository\}\}" has no literal text/,
      ),
    ]);
  });
});

describe('other sections', () => {
  it('warns about unsigned, duplicated notify targets and refuses bad ones', () => {
    expect(
      warningsOf(`${LOCAL}webhooks: [{ adapter: generic, auth: { type: bearer, token: generic-token-0123456789 } }]
enforcement:
  notify:
    - { url: "https://hooks.example.com/a", secret: notify-secret-0123456789 }
    - { url: "https://hooks.example.com/a", secret: notify-secret-0123456789 }
    - { url: "http://10.0.0.5/hook" }
`),
    ).toEqual([
      'enforcement.notify[1].url: the same URL is listed twice: each verdict is sent twice',
      'enforcement.notify[2]: no secret: deliveries are not signed, so the receiver cannot tell them from forgeries',
    ]);
    expect(
      problemsOf(`${LOCAL}enforcement:
  notify:
    - { url: "ftp://x" }
    - { url: "https://exa mple.com", secret: "", decisions: [reject, maybe] }
`),
    ).toEqual([
      'enforcement.notify[0].url: must be an http:// or https:// URL',
      'enforcement.notify[1].url: is not a valid URL',
      'enforcement.notify[1].secret: must not be empty',
      'enforcement.notify[1].decisions[1]: must be one of: pass, reject, tag, warn, error',
    ]);
  });

  it('checks the server port range, API tokens, the Redis URL and the fingerprint key length', () => {
    expect(load(`${LOCAL}server: { port: 0 }\n`).config.server.port).toBe(0);
    expect(
      problemsOf(
        `${LOCAL}server: { port: -1, apiTokens: ["   ", dup-token-0123456789, dup-token-0123456789] }
redis: { url: "redis://[oops" }
secrets: { fingerprintKey: short }
`,
        {},
      ),
    ).toEqual([
      'server.port: must be >= 0',
      'server.apiTokens: must not repeat an entry (entries 1 and 2 are equal)',
      'server.apiTokens[0]: the token must not be blank',
      'redis.url: is not a valid URL',
      'secrets.fingerprintKey: must be at least 16 characters long',
    ]);
  });

  it('warns when no API token is configured', () => {
    const { warnings } = load(LOCAL, { PUSHGATE_SECRETS_FINGERPRINT_KEY: 'test-fingerprint-key-0123456789' });
    expect(warnings).toEqual([
      expect.stringMatching(/^server\.apiTokens: empty: \/api\/v1 and \/admin\/queues answer 503/),
      'webhooks: no webhook endpoint: images are inspected only when asked through POST /api/v1/scans',
    ]);
  });
});

describe('admission', () => {
  it('refuses enabled without tls, and fills in the poll interval', () => {
    expect(problemsOf(`${LOCAL}admission: { enabled: true }\n`)).toEqual([
      'admission.tls: is required when admission.enabled is true: the Kubernetes API server calls webhooks over HTTPS only; ' +
        'set tls.certFile and tls.keyFile (PEM files, e.g. a cert-manager Secret volume)',
    ]);
    const { config } = load(
      `${LOCAL}admission: { enabled: true, tls: { certFile: c.pem, keyFile: k.pem } }\n`,
    );
    expect(config.admission.tls).toEqual({ certFile: 'c.pem', keyFile: 'k.pem', pollIntervalMs: 10000 });
  });
});
