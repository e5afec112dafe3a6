import type { RegistryConfig } from '../config/types.js';
import type { RegistryReaders } from '../pipeline/registry-clients.js';

export interface TagResolverOptions {
  /** How long a resolved digest is reused; at most (and by default) 60 s: tags move. */
  ttlMs?: number;
  /** Entries kept at most (oldest dropped first); 10,000 by default. */
  maxEntries?: number;
  now?: () => number;
}

export interface TagResolverStats {
  /** Answered from the cache. */
  hits: number;
  /** HEAD requests sent. */
  resolutions: number;
  /** Misses that joined a HEAD already in flight. */
  coalesced: number;
}

export const MAX_TAG_TTL_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Tag → digest with one HEAD against the configured registry's reader (its SSRF guard and
 * credentials, as everywhere), remembered for at most a minute. Concurrent misses for the same
 * tag share one request. Failures are not remembered: the next review asks again.
 */
export class TagResolver {
  readonly #readers: Pick<RegistryReaders, 'client'>;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { digest: string; expires: number }>();
  readonly #inFlight = new Map<string, Promise<string>>();
  readonly #stats: TagResolverStats = { hits: 0, resolutions: 0, coalesced: 0 };

  constructor(readers: Pick<RegistryReaders, 'client'>, options: TagResolverOptions = {}) {
    this.#readers = readers;
    this.#ttlMs = Math.min(MAX_TAG_TTL_MS, Math.max(0, options.ttlMs ?? MAX_TAG_TTL_MS));
    this.#maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.#now = options.now ?? Date.now;
  }

  get stats(): TagResolverStats {
    return { ...this.#stats };
  }

  /** The digest `repository:tag` names in `registry` now (or up to `ttlMs` ago). */
  resolve(registry: RegistryConfig, repository: string, tag: string): Promise<string> {
    const key = `${registry.name}\0${repository}\0${tag}`;
    const cached = this.#cache.get(key);
    if (cached && cached.expires > this.#now()) {
      this.#stats.hits++;
      return Promise.resolve(cached.digest);
    }
    if (cached) this.#cache.delete(key);
    const running = this.#inFlight.get(key);
    if (running) {
      this.#stats.coalesced++;
      return running;
    }
    this.#stats.resolutions++;
    const request = this.#readers
      .client(registry.name)
      .headManifest(repository, tag)
      .then(({ digest }) => {
        this.#remember(key, digest);
        return digest;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, request);
    return request;
  }

  #remember(key: string, digest: string): void {
    if (this.#ttlMs === 0) return;
    this.#cache.delete(key);
    if (this.#cache.size >= this.#maxEntries) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, { digest, expires: this.#now() + this.#ttlMs });
  }
}
