import { isRecord } from '../is-record.js';
import type { KeyPath } from '../policy/yaml-positions.js';
import { toPointer, type ConfigProblem } from './config-problem.js';

type Parsed = { value: unknown } | { error: string };

export interface EnvOverride {
  variable: string;
  /** The configuration field it sets (it wins over the file). */
  path: readonly string[];
  /** One line for the README and `--help`. */
  description: string;
  parse(text: string): Parsed;
}

function list(text: string, separator: RegExp): string[] {
  return text
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const asString = (text: string): Parsed => ({ value: text });

/**
 * Environment variables that override configuration fields, applied after the file is read and
 * before validation (so their values are validated like the file's). An empty variable counts as
 * unset, as `VAR=` lines in env files and Compose usually mean "not configured".
 */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  {
    variable: 'REDIS_URL',
    path: ['redis', 'url'],
    description: 'Redis URL (redis://[:password@]host:port[/db]); redis.url',
    parse: asString,
  },
  {
    variable: 'REDIS_PASSWORD',
    path: ['redis', 'password'],
    description: 'password of the Redis servers (with REDIS_URL or Sentinel); redis.password',
    parse: asString,
  },
  {
    variable: 'REDIS_SENTINEL_PASSWORD',
    path: ['redis', 'sentinelPassword'],
    description: 'password of the sentinels themselves (their requirepass); redis.sentinelPassword',
    parse: asString,
  },
  {
    variable: 'PUSHGATE_REDIS_PREFIX',
    path: ['redis', 'prefix'],
    description: 'prefix of every Redis key and queue; redis.prefix',
    parse: asString,
  },
  {
    variable: 'PUSHGATE_HOST',
    path: ['server', 'host'],
    description: 'address the HTTP server listens on; server.host',
    parse: asString,
  },
  {
    variable: 'PUSHGATE_PORT',
    path: ['server', 'port'],
    description: 'port the HTTP server listens on (0–65535); server.port',
    parse: (text) => {
      const trimmed = text.trim();
      if (!/^\d{1,5}$/.test(trimmed) || Number(trimmed) > 65535) {
        return { error: 'must be a port number from 0 to 65535' };
      }
      return { value: Number(trimmed) };
    },
  },
  {
    variable: 'PUSHGATE_API_TOKENS',
    path: ['server', 'apiTokens'],
    description:
      'API tokens, comma-separated, each optionally prefixed with its role: read:TOKEN, admin:TOKEN (no prefix: admin); server.apiTokens',
    // `read:` and `admin:` are roles; any other text is a whole token (an admin one, as before roles).
    parse: (text) => ({
      value: list(text, /,/).map((item) => {
        const role = /^(read|admin):/.exec(item)?.[1];
        return role ? { token: item.slice(role.length + 1), role } : item;
      }),
    }),
  },
  {
    variable: 'PUSHGATE_LOG_LEVEL',
    path: ['log', 'level'],
    description: 'fatal, error, warn, info, debug, trace or silent; log.level',
    parse: (text) => ({ value: text.trim().toLowerCase() }),
  },
  {
    variable: 'PUSHGATE_LOG_FORMAT',
    path: ['log', 'format'],
    description: 'json, pretty or auto (pretty on a terminal, the default); log.format',
    parse: (text) => ({ value: text.trim().toLowerCase() }),
  },
  {
    variable: 'PUSHGATE_DRY_RUN',
    path: ['enforcement', 'dryRun'],
    description: 'true/false/1/0: log and audit actions without changing any registry; enforcement.dryRun',
    parse: (text) => {
      const normalized = text.trim().toLowerCase();
      if (normalized === 'true' || normalized === '1') return { value: true };
      if (normalized === 'false' || normalized === '0') return { value: false };
      return { error: 'must be true, false, 1 or 0' };
    },
  },
  {
    variable: 'PUSHGATE_POLICIES',
    path: ['policies', 'paths'],
    description:
      'policy files or directories, comma- or colon-separated, relative to the working directory; policies.paths',
    parse: (text) => ({ value: list(text, /[,:]/) }),
  },
  {
    variable: 'PUSHGATE_SECRETS_FINGERPRINT_KEY',
    path: ['secrets', 'fingerprintKey'],
    description: 'HMAC key for secret fingerprints (same in every process); secrets.fingerprintKey',
    parse: asString,
  },
];

export interface EnvOverridesResult {
  /** JSON Pointer of each field set → the variable that set it. */
  origins: Map<string, string>;
  problems: ConfigProblem[];
}

/** Sets the fields named by `ENV_OVERRIDES` in `raw` (in place). */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvOverridesResult {
  const origins = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const override of ENV_OVERRIDES) {
    const text = env[override.variable];
    if (text === undefined || text === '') continue;
    const path: KeyPath = [...override.path];
    const parsed = override.parse(text);
    origins.set(toPointer(path), override.variable);
    if ('error' in parsed) {
      problems.push({ path, message: parsed.error });
      continue;
    }
    const [section, field] = override.path;
    if (raw[section] === undefined) raw[section] = {};
    const target = raw[section];
    // A section that is not a mapping is reported by the schema; the override has nowhere to go.
    if (isRecord(target)) target[field] = parsed.value;
  }
  return { origins, problems };
}
