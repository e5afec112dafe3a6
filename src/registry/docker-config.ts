import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { PushgateError } from '../errors.js';
import type { RegistryCredentials } from './credentials.js';
import { printable } from '../escape-text.js';
import { isRecord } from '../is-record.js';

export interface DockerConfigOptions {
  /**
   * Run `docker-credential-<name>` helpers named by `credHelpers` / `credsStore`. Off by default:
   * it executes a binary chosen by the config file, which a server must not do unless told to.
   */
  credentialHelpers?: boolean;
  /** Per helper call; default 10 s. */
  helperTimeoutMs?: number;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

const DOCKER_HUB_KEYS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);
/** The server URL Docker itself uses for Hub credentials (and passes to helpers). */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const MAX_HELPER_OUTPUT = 64 * 1024;
const HELPER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** `https://index.docker.io/v1/` → `docker.io`; `http://host:5000/v2/` → `host:5000`. */
export function normaliseRegistryKey(key: string): string {
  let host = key
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = host.indexOf('/');
  if (slash !== -1) host = host.slice(0, slash);
  return DOCKER_HUB_KEYS.has(host) ? 'docker.io' : host;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Credentials from a Docker `config.json` (`auths`, and helpers when enabled). */
export class DockerConfig {
  private readonly auths = new Map<string, AuthEntry>();
  private readonly credHelpers = new Map<string, string>();
  private readonly credsStore?: string;
  private readonly options: DockerConfigOptions;
  readonly path: string;

  constructor(json: unknown, path: string, options: DockerConfigOptions = {}) {
    this.path = path;
    this.options = options;
    if (!isRecord(json))
      throw new PushgateError('CONFIG_INVALID', `Docker config ${path} is not a JSON object`);
    if (json.auths !== undefined) {
      if (!isRecord(json.auths))
        throw new PushgateError('CONFIG_INVALID', `Docker config ${path}: "auths" is not an object`);
      // Several keys can name one host (`host`, `https://host/v2/`); the bare host key wins,
      // otherwise the first in sorted order, so the choice never depends on file order.
      for (const key of Object.keys(json.auths).sort()) {
        const entry = json.auths[key];
        if (!isRecord(entry)) continue;
        const host = normaliseRegistryKey(key);
        const parsed: AuthEntry = {
          auth: optionalString(entry.auth),
          username: optionalString(entry.username),
          password: optionalString(entry.password),
          identitytoken: optionalString(entry.identitytoken),
          registrytoken: optionalString(entry.registrytoken),
        };
        const existing = this.auths.get(host);
        if (existing === undefined || key.toLowerCase() === host) this.auths.set(host, parsed);
      }
    }
    if (isRecord(json.credHelpers)) {
      for (const [key, helper] of Object.entries(json.credHelpers)) {
        if (typeof helper === 'string') this.credHelpers.set(normaliseRegistryKey(key), helper);
      }
    }
    this.credsStore = optionalString(json.credsStore);
  }

  /** Credentials for a registry named as in image references (`docker.io`, `host:5000`), if any. */
  async credentialsFor(registry: string): Promise<RegistryCredentials | undefined> {
    const host = normaliseRegistryKey(registry);
    if (this.options.credentialHelpers === true) {
      const helper = this.credHelpers.get(host) ?? this.credsStore;
      if (helper !== undefined) {
        const fromHelper = await this.runHelper(helper, host);
        if (fromHelper !== undefined) return fromHelper;
      }
    }
    const entry = this.auths.get(host);
    if (entry === undefined) return undefined;
    return this.decodeEntry(entry, host);
  }

  private decodeEntry(entry: AuthEntry, host: string): RegistryCredentials | undefined {
    const credentials: RegistryCredentials = {};
    if (entry.auth !== undefined) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new PushgateError(
          'CONFIG_INVALID',
          `Docker config ${this.path}: "auth" for ${host} is not base64(user:password)`,
        );
      }
      credentials.username = decoded.slice(0, colon);
      // Docker pads some stored passwords with NULs (regclient trims them the same way).
      credentials.password = decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '');
    } else if (entry.username !== undefined && entry.password !== undefined) {
      credentials.username = entry.username;
      credentials.password = entry.password;
    }
    if (entry.identitytoken !== undefined) credentials.identityToken = entry.identitytoken;
    if (entry.registrytoken !== undefined) credentials.registryToken = entry.registrytoken;
    return Object.keys(credentials).length > 0 ? credentials : undefined;
  }

  private async runHelper(name: string, host: string): Promise<RegistryCredentials | undefined> {
    if (!HELPER_NAME.test(name)) {
      throw new PushgateError(
        'CONFIG_INVALID',
        `Docker config ${this.path}: credential helper name "${printable(name)}" is invalid`,
      );
    }
    const server = host === 'docker.io' ? DOCKER_HUB_SERVER : host;
    const binary = `docker-credential-${name}`;
    const output = await new Promise<string | undefined>((resolve, reject) => {
      const child = execFile(
        binary,
        ['get'],
        { timeout: this.options.helperTimeoutMs ?? 10_000, maxBuffer: MAX_HELPER_OUTPUT },
        (err, stdout) => {
          if (err) {
            // Helpers exit non-zero with "credentials not found" when they hold nothing for the host.
            if (/not found/i.test(String(stdout)) || /not found/i.test(err.message)) resolve(undefined);
            else
              reject(
                new PushgateError(
                  'CONFIG_INVALID',
                  `credential helper ${binary} failed for ${host}: ${printable(err.message)}`,
                  { cause: err },
                ),
              );
            return;
          }
          resolve(stdout);
        },
      );
      child.stdin?.end(server);
    });
    if (output === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(output);
    } catch {
      throw new PushgateError(
        'CONFIG_INVALID',
        `credential helper ${binary} printed something that is not JSON`,
      );
    }
    if (!isRecord(json)) return undefined;
    const username = optionalString(json.Username);
    const secret = optionalString(json.Secret);
    if (secret === undefined) return undefined;
    // Helper protocol: Username "<token>" means Secret is an identity (refresh) token.
    if (username === '<token>') return { identityToken: secret };
    return username === undefined ? undefined : { username, password: secret };
  }
}

/** Reads a Docker `config.json`. A missing file is an error: the caller asked for this path. */
export async function loadDockerConfig(
  path: string,
  options: DockerConfigOptions = {},
): Promise<DockerConfig> {
  let text: string;
  try {
    const data = await readFile(path);
    if (data.length > MAX_CONFIG_BYTES)
      throw new PushgateError('CONFIG_INVALID', `Docker config ${path} is larger than 4 MiB`);
    text = data.toString('utf8');
  } catch (err) {
    if (err instanceof PushgateError) throw err;
    throw new PushgateError(
      'CONFIG_INVALID',
      `cannot read Docker config ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PushgateError(
      'CONFIG_INVALID',
      `Docker config ${path} is not valid JSON: ${(err as Error).message}`,
    );
  }
  return new DockerConfig(json, path, options);
}
