import { isPushgateError } from '../errors.js';
import { DOCKER_HUB, DOCKER_HUB_API_HOST, isValidRepository } from '../oci/reference.js';
import { isRecord } from '../is-record.js';
import type { KeyPath } from '../policy/yaml-positions.js';
import { renderTagTemplate, renderTemplate, templatePattern, type TemplateValues } from './tag-template.js';
import type { ConfigProblem } from './config-problem.js';
import { checkHostPattern } from '../registry/ssrf-guard.js';
import { normaliseRegistryHost } from './registry-hosts.js';
import { parseSentinelAddress } from './sentinel-address.js';
import { templatesOverlap } from './templates-overlap.js';
import type { AdapterId } from './types.js';

/** The public key used when none is configured: safe for development only, and warned about. */
export const DEVELOPMENT_FINGERPRINT_KEY = 'pushgate-development-fingerprint-key-not-secret';

/** Shorter webhook secrets are accepted with a warning: they can be guessed. */
const MIN_SECRET_LENGTH = 16;

const SAMPLE_VALUES: TemplateValues = {
  tag: 'v1.2.3',
  digest: `sha256:${'0123456789abcdef'.repeat(4)}`,
  repository: 'team/app',
  decision: 'reject',
};

/**
 * What each sender can actually send (research/integrations.md): Docker Hub and Quay add no
 * header, GitHub only signs, Harbor sends a fixed Authorization header. A secret path segment
 * works for every sender since it is part of the URL.
 */
const SENDER_AUTH: Record<AdapterId, readonly string[]> = {
  distribution: ['bearer', 'header', 'path'],
  harbor: ['bearer', 'header', 'path'],
  dockerhub: ['path'],
  quay: ['path'],
  ghcr: ['hmac-sha256', 'path'],
  acr: ['bearer', 'header', 'path'],
  jfrog: ['header', 'hmac-sha256', 'path'],
  generic: ['bearer', 'header', 'hmac-sha256', 'path'],
};

export interface CheckOptions {
  /** The caller has already warned, louder, that an endpoint has no auth (development defaults). */
  noneAuthWarned?: boolean;
}

export interface CheckResult {
  problems: ConfigProblem[];
  /** Accepted, but probably not what was meant (or unsafe); same shape as problems. */
  warnings: ConfigProblem[];
}

interface Context extends CheckResult {
  options: CheckOptions;
  problem(path: KeyPath, message: string): void;
  warn(path: KeyPath, message: string): void;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function records(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.map((item) => (isRecord(item) ? item : {})) : [];
}

function section(raw: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = raw[name];
  return isRecord(value) ? value : {};
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.startsWith('127.') || hostname === '[::1]';
}

function checkSecret(ctx: Context, value: unknown, path: KeyPath, what: string): void {
  if (typeof value !== 'string' || value === '') return; // the schema reports missing or empty ones
  if (value.trim() === '') ctx.problem(path, `${what} must not be blank`);
  else if (value.length < MIN_SECRET_LENGTH) {
    ctx.warn(path, `${what} is shorter than ${MIN_SECRET_LENGTH} characters: it can be guessed`);
  }
}

/** The URL must be a bare http(s) origin; fills in `host` from it and normalises it. */
function checkRegistryUrl(ctx: Context, registry: Record<string, unknown>, base: KeyPath): void {
  const urlText = text(registry.url);
  let url: URL | undefined;
  if (urlText !== undefined && /^https?:\/\//.test(urlText)) {
    try {
      url = new URL(urlText);
    } catch {
      ctx.problem([...base, 'url'], 'is not a valid URL');
    }
  }
  if (url) {
    // The URL is never quoted back: it could carry credentials.
    if (url.username !== '' || url.password !== '') {
      ctx.problem(
        [...base, 'url'],
        'must not hold credentials: put them under credentials (username, password)',
      );
    } else if (url.pathname !== '/') {
      ctx.problem([...base, 'url'], 'must have no path: the registry API is always under /v2/ of the URL');
    } else if (url.search !== '' || url.hash !== '' || /[?#]/.test(urlText ?? '')) {
      ctx.problem([...base, 'url'], 'must have no query or fragment');
    } else {
      registry.url = url.origin;
      // References name Docker Hub docker.io, though its API lives on registry-1.docker.io.
      if (registry.host === undefined) {
        registry.host = url.host.toLowerCase() === DOCKER_HUB_API_HOST ? DOCKER_HUB : url.host.toLowerCase();
      }
      if (url.protocol === 'http:' && registry.credentials !== undefined && !isLoopback(url.hostname)) {
        ctx.warn(
          [...base, 'url'],
          'plain HTTP to a host that is not loopback: the credentials cross the network in clear',
        );
      }
    }
  }
}

function checkRegistries(raw: Record<string, unknown>, ctx: Context): Set<string> {
  const names = new Map<string, number>();
  const hosts = new Map<string, number>();
  records(raw.registries).forEach((registry, i) => {
    const base: KeyPath = ['registries', i];
    const name = text(registry.name);
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) {
        ctx.problem([...base, 'name'], `registry name "${name}" is already used by registries[${first}]`);
      } else names.set(name, i);
    }

    checkRegistryUrl(ctx, registry, base);

    const claimed: Array<[KeyPath, unknown]> = [[[...base, 'host'], registry.host]];
    if (Array.isArray(registry.aliases)) {
      registry.aliases = registry.aliases.map((alias) =>
        typeof alias === 'string' ? alias.toLowerCase() : alias,
      );
      (registry.aliases as unknown[]).forEach((alias, k) => claimed.push([[...base, 'aliases', k], alias]));
    }
    if (typeof registry.host === 'string') registry.host = registry.host.toLowerCase();
    for (const [path, host] of claimed) {
      if (typeof host !== 'string') continue;
      // Compared as intake compares them, so no event host can lead to two registries.
      const key = normaliseRegistryHost(host);
      const owner = hosts.get(key);
      if (owner !== undefined && owner !== i) {
        ctx.problem(
          path,
          `host "${host}" also names registries[${owner}]: an event's host must lead to one registry`,
        );
      } else hosts.set(key, i);
    }

    if (Array.isArray(registry.allowedHosts)) {
      // The schema checks the spelling; the guard's own reading also refuses a wildcard over an IP.
      (registry.allowedHosts as unknown[]).forEach((entry, k) => {
        if (typeof entry !== 'string') return;
        try {
          checkHostPattern(entry);
        } catch (err) {
          ctx.problem([...base, 'allowedHosts', k], isPushgateError(err) ? err.message : String(err));
        }
      });
    }

    checkSecret(
      ctx,
      isRecord(registry.credentials) ? registry.credentials.password : undefined,
      [...base, 'credentials', 'password'],
      'the password',
    );
  });
  return new Set(names.keys());
}

function checkWebhookAuth(
  ctx: Context,
  webhook: Record<string, unknown>,
  base: KeyPath,
  endpoint: string,
): void {
  const auth = webhook.auth;
  if (!isRecord(auth)) return;
  const type = text(auth.type);
  const path: KeyPath = [...base, 'auth'];
  switch (type) {
    case 'bearer':
      checkSecret(ctx, auth.token, [...path, 'token'], 'the token');
      break;
    case 'header':
      checkSecret(ctx, auth.value, [...path, 'value'], 'the header value');
      break;
    case 'hmac-sha256':
      checkSecret(ctx, auth.secret, [...path, 'secret'], 'the HMAC secret');
      break;
    case 'path':
      checkSecret(ctx, auth.secret, [...path, 'secret'], 'the path secret');
      break;
    case 'none':
      if (ctx.options.noneAuthWarned) break;
      ctx.warn(
        path,
        `type none: anyone who can reach POST ${endpoint} can make pushgate inspect and act on images; ` +
          'use it only on a trusted network, and set bearer, header, hmac-sha256 or path auth before exposing the port',
      );
      break;
    default:
      return; // unknown types are the schema's to report
  }
  const adapter = text(webhook.adapter) as AdapterId | undefined;
  const supported = adapter !== undefined ? SENDER_AUTH[adapter] : undefined;
  if (supported && type !== 'none' && !supported.includes(type)) {
    ctx.warn(
      [...path, 'type'],
      `${adapter} cannot send ${type} auth (it can use: ${supported.join(', ')}): its deliveries would all be refused with 401`,
    );
  }
  if (adapter === 'ghcr' && type === 'hmac-sha256') {
    if (text(auth.header)?.toLowerCase() !== 'x-hub-signature-256') {
      ctx.warn([...path, 'header'], 'GitHub sends its signature in X-Hub-Signature-256');
    }
    if (auth.prefix !== 'sha256=')
      ctx.warn([...path, 'prefix'], 'GitHub prefixes its signature with "sha256="');
  }
}

function checkWebhooks(raw: Record<string, unknown>, registries: Set<string>, ctx: Context): void {
  const webhooks = records(raw.webhooks);
  if (Array.isArray(raw.webhooks) && webhooks.length === 0) {
    ctx.warn(
      ['webhooks'],
      'no webhook endpoint: images are inspected only when asked through POST /api/v1/scans',
    );
  }
  const names = new Map<string, number>();
  webhooks.forEach((webhook, i) => {
    const base: KeyPath = ['webhooks', i];
    const implicit = webhook.name === undefined;
    if (implicit && typeof webhook.adapter === 'string') webhook.name = webhook.adapter;
    const name = text(webhook.name);
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) {
        ctx.problem(
          [...base, 'name'],
          `endpoint name "${name}" is already used by webhooks[${first}]` +
            (implicit ? ' (the name defaults to the adapter id: give each endpoint its own name)' : ''),
        );
      } else names.set(name, i);
    }
    const registry = text(webhook.registry);
    if (registry !== undefined && !registries.has(registry)) {
      const known = [...registries];
      ctx.problem(
        [...base, 'registry'],
        `no registry is named "${registry}"${known.length > 0 ? ` (configured: ${known.join(', ')})` : ''}`,
      );
    }
    checkWebhookAuth(ctx, webhook, base, `/hooks/${name ?? '?'}`);
  });
}

function templateError(err: unknown): string {
  if (isPushgateError(err)) return err.message;
  throw err;
}

/** The template's pattern and a sample rendering, or undefined after reporting why it is unusable. */
function checkTagTemplate(
  ctx: Context,
  template: unknown,
  path: KeyPath,
): { pattern: RegExp; sample: string } | undefined {
  if (typeof template !== 'string' || template === '') return undefined;
  try {
    const pattern = templatePattern(template);
    const sample = renderTagTemplate(template, SAMPLE_VALUES);
    return { pattern, sample };
  } catch (err) {
    ctx.problem(path, templateError(err));
    return undefined;
  }
}

function checkEnforcement(raw: Record<string, unknown>, ctx: Context): void {
  const enforcement = section(raw, 'enforcement');
  const base: KeyPath = ['enforcement'];
  const failTag = checkTagTemplate(ctx, enforcement.failTag, [...base, 'failTag']);
  const passTag = checkTagTemplate(ctx, enforcement.passTag, [...base, 'passTag']);
  if (failTag && passTag && templatesOverlap(enforcement.failTag as string, enforcement.passTag as string)) {
    ctx.problem(
      [...base, 'passTag'],
      'cannot be told apart from failTag: some tags match both templates, so pushgate could not tell which of its writes a tag is',
    );
  }

  const quarantine = enforcement.quarantineRepository;
  if (typeof quarantine === 'string' && quarantine !== '') {
    const path: KeyPath = [...base, 'quarantineRepository'];
    try {
      templatePattern(quarantine);
      const rendered = renderTemplate(quarantine, SAMPLE_VALUES);
      if (!isValidRepository(rendered)) {
        ctx.problem(
          path,
          `renders "${rendered}" for repository team/app, which is not a valid repository name (lower-case path components)`,
        );
      }
    } catch (err) {
      ctx.problem(path, templateError(err));
    }
  }

  const seen = new Set<string>();
  records(enforcement.notify).forEach((target, i) => {
    const path: KeyPath = [...base, 'notify', i];
    const urlText = text(target.url);
    if (urlText !== undefined && /^https?:\/\//.test(urlText)) {
      try {
        new URL(urlText);
      } catch {
        ctx.problem([...path, 'url'], 'is not a valid URL');
      }
      if (seen.has(urlText))
        ctx.warn([...path, 'url'], 'the same URL is listed twice: each verdict is sent twice');
      seen.add(urlText);
    }
    if (target.secret === undefined) {
      ctx.warn(path, 'no secret: deliveries are not signed, so the receiver cannot tell them from forgeries');
    } else checkSecret(ctx, target.secret, [...path, 'secret'], 'the secret');
  });
}

function checkServer(raw: Record<string, unknown>, ctx: Context): void {
  const server = section(raw, 'server');
  if (Array.isArray(server.apiTokens)) {
    if (server.apiTokens.length === 0) {
      ctx.warn(
        ['server', 'apiTokens'],
        'empty: /api/v1 and /admin/queues answer 503 until a token is set: set PUSHGATE_API_TOKENS ' +
          '(read:TOKEN,admin:TOKEN) or server.apiTokens',
      );
    }
    const seen = new Map<string, number>();
    const entries: unknown[] = server.apiTokens;
    entries.forEach((entry, i) => {
      const objectForm = isRecord(entry);
      const token = objectForm ? entry.token : entry;
      const path: KeyPath = objectForm ? ['server', 'apiTokens', i, 'token'] : ['server', 'apiTokens', i];
      checkSecret(ctx, token, path, 'the token');
      if (typeof token !== 'string') return;
      // The same token twice with two roles would make its rights depend on the order of the list.
      const first = seen.get(token);
      if (first !== undefined && (objectForm || isRecord(entries[first])))
        ctx.problem(path, `the same token as entry ${first}: a token has one role`);
      else seen.set(token, i);
    });
  }
}

function checkRedis(raw: Record<string, unknown>, ctx: Context): void {
  const redis = section(raw, 'redis');
  const url = text(redis.url);
  let urlPassword: string | undefined;
  if (url !== undefined && /^rediss?:\/\//.test(url)) {
    try {
      urlPassword = decodeURIComponent(new URL(url).password) || undefined;
    } catch {
      ctx.problem(['redis', 'url'], 'is not a valid URL');
    }
  }
  const sentinels = Array.isArray(redis.sentinels) ? redis.sentinels : [];
  if (url !== undefined && sentinels.length > 0) {
    ctx.problem(
      ['redis', 'sentinels'],
      'set either redis.url (one Redis server) or redis.sentinels (Redis Sentinel finds the primary), not both',
    );
  }
  if (sentinels.length > 0 && redis.sentinelName === undefined) {
    ctx.problem(
      ['redis', 'sentinelName'],
      'is required with redis.sentinels: the master name the sentinels monitor (`sentinel monitor NAME …`, often mymaster)',
    );
  }
  sentinels.forEach((entry, index) => {
    if (typeof entry !== 'string' || !/:[0-9]{1,5}$/.test(entry)) return; // the schema reports those
    if (!parseSentinelAddress(entry)) {
      ctx.problem(['redis', 'sentinels', index], 'the port must be from 1 to 65535');
    }
  });
  if (sentinels.length === 1) {
    ctx.warn(
      ['redis', 'sentinels'],
      'lists one sentinel: while it is down pushgate cannot find the primary; list every sentinel (three or more)',
    );
  }
  const password = text(redis.password);
  if (password && urlPassword !== undefined && password !== urlPassword) {
    ctx.problem(
      ['redis', 'password'],
      'differs from the password in redis.url: set the password in one place (REDIS_PASSWORD, or the URL)',
    );
  }
  if (text(redis.sentinelPassword) && sentinels.length === 0) {
    ctx.warn(['redis', 'sentinelPassword'], 'is set but not used: redis.sentinels is not set');
  }
}

/** The API server calls webhooks over HTTPS only, so an enabled endpoint needs its certificate. */
function checkAdmission(raw: Record<string, unknown>, ctx: Context): void {
  const admission = section(raw, 'admission');
  if (admission.enabled === true && admission.tls === undefined) {
    ctx.problem(
      ['admission', 'tls'],
      'is required when admission.enabled is true: the Kubernetes API server calls webhooks over HTTPS only; ' +
        'set tls.certFile and tls.keyFile (PEM files, e.g. a cert-manager Secret volume)',
    );
  }
}

function checkSecrets(raw: Record<string, unknown>, ctx: Context): void {
  if (section(raw, 'secrets').fingerprintKey === DEVELOPMENT_FINGERPRINT_KEY) {
    ctx.warn(
      ['secrets', 'fingerprintKey'],
      'not set: the public development key is in use, so anyone can test guesses against the secret fingerprints pushgate stores; ' +
        'set PUSHGATE_SECRETS_FINGERPRINT_KEY (the same random value in every process)',
    );
  }
}

/**
 * The checks a schema cannot express (unique names, references between sections, URLs, tag
 * templates), and the fields derived from others: `registries[].host` from the URL, the URL
 * without a trailing slash, hosts lower-cased, `webhooks[].name` from the adapter. Works on a
 * document the schema may have refused, so every problem is reported in one go.
 */
export function checkConfig(raw: Record<string, unknown>, options: CheckOptions = {}): CheckResult {
  const ctx: Context = {
    options,
    problems: [],
    warnings: [],
    problem(path, message) {
      this.problems.push({ path, message });
    },
    warn(path, message) {
      this.warnings.push({ path, message });
    },
  };
  checkServer(raw, ctx);
  checkRedis(raw, ctx);
  const registries = checkRegistries(raw, ctx);
  checkWebhooks(raw, registries, ctx);
  checkEnforcement(raw, ctx);
  checkAdmission(raw, ctx);
  checkSecrets(raw, ctx);
  return { problems: ctx.problems, warnings: ctx.warnings };
}
