import type { LimitsConfig, RegistryConfig } from '../config/types.js';
import { PushgateError } from '../errors.js';
import { registryApiHost } from '../oci/reference.js';
import type { RegistryReader } from '../registry/registry-reader.js';
import { RegistryWriter } from '../registry/registry-writer.js';
import { PUSHGATE_VERSION } from '../version.js';

/**
 * One client per configured registry, created on first use and shared by every job of the process.
 * `client` hands it out as a RegistryReader; `writer` as a RegistryWriter, for `src/actions` only
 * (the enforcer passes it to `runActions`), so only actions can write to a registry.
 */
export class RegistryClients {
  readonly #registries: readonly RegistryConfig[];
  readonly #clients = new Map<string, RegistryWriter>();
  readonly #limits?: Pick<LimitsConfig, 'minBodyBytesPerSecond' | 'bodyStallWindowMs'>;

  constructor(
    registries: readonly RegistryConfig[],
    limits?: Pick<LimitsConfig, 'minBodyBytesPerSecond' | 'bodyStallWindowMs'>,
  ) {
    this.#registries = registries;
    this.#limits = limits;
  }

  config(name: string): RegistryConfig {
    const registry = this.#registries.find((r) => r.name === name);
    if (!registry) throw new PushgateError('CONFIG_INVALID', `registry "${name}" is not configured`);
    return registry;
  }

  /** The registry's client, for reading. */
  client(name: string): RegistryReader {
    return this.writer(name);
  }

  /** The registry's client with its writes: only for handing to `src/actions`. */
  writer(name: string): RegistryWriter {
    const existing = this.#clients.get(name);
    if (existing) return existing;
    const registry = this.config(name);
    const url = new URL(registry.url);
    // The client derives its API host from the reference name (docker.io → registry-1.docker.io);
    // a url pointing elsewhere would silently be ignored, so it is refused.
    if (registryApiHost(registry.host) !== url.host) {
      throw new PushgateError(
        'CONFIG_INVALID',
        `registry "${name}": url host ${url.host} is not the API host of ${registry.host} (${registryApiHost(registry.host)})`,
      );
    }
    const client = new RegistryWriter({
      registry: registry.host,
      plainHttp: url.protocol === 'http:',
      ...(registry.credentials ? { credentials: { ...registry.credentials } } : {}),
      ...(registry.allowedHosts ? { allowedHosts: [...registry.allowedHosts] } : {}),
      userAgent: `pushgate/${PUSHGATE_VERSION}`,
      // A registry dribbling a blob must not hold an inspection worker until scanTimeoutMs.
      ...(this.#limits
        ? {
            timeouts: {
              minBodyBytesPerSecond: this.#limits.minBodyBytesPerSecond,
              bodyStallWindowMs: this.#limits.bodyStallWindowMs,
            },
          }
        : {}),
    });
    this.#clients.set(name, client);
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => c.close()));
    this.#clients.clear();
  }
}

/** What code that must not write gets: the configuration and the readers. */
export type RegistryReaders = Pick<RegistryClients, 'config' | 'client'>;
