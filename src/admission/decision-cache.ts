import type { ImageChange } from '../store/image-changes.js';
import type { ImageOutcome } from './types.js';

/** A judgement without the pod image it was made for: the same image may appear in many pods. */
export interface Judgement {
  outcome: ImageOutcome;
  digest?: string;
  reasons: string[];
}

/** What a judgement depends on: the image, the policy set and the namespace. */
export interface JudgementKey {
  /** The configured registry's name. */
  registry: string;
  repository: string;
  /** Part of the key because policies may scope by tag; empty for a digest-only reference. */
  tag?: string;
  digest: string;
  policySetVersion: string;
  namespace: string;
}

export interface DecisionCacheOptions {
  /** At most (and by default) 30 s: the bound on staleness when a change message is lost. */
  ttlMs?: number;
  /** Entries kept at most (oldest dropped first); 10,000 by default. */
  maxEntries?: number;
  now?: () => number;
}

export const MAX_DECISION_TTL_MS = 30_000;
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Judgements in process, by digest + policy-set version + namespace (and the repository and tag the
 * pod names, which scopes may match). Dropped when the facts or verdict of their digest change
 * (`apply`, fed by the image-changes channel). A judgement started before a change is not stored
 * after it (`generation`), so a change cannot be overtaken by a stale answer computed before it.
 */
export class DecisionCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { judgement: Judgement; digest: string; expires: number }>();
  #generation = 0;
  #hits = 0;
  #misses = 0;

  constructor(options: DecisionCacheOptions = {}) {
    this.#ttlMs = Math.min(MAX_DECISION_TTL_MS, Math.max(0, options.ttlMs ?? MAX_DECISION_TTL_MS));
    this.#maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.#now = options.now ?? Date.now;
  }

  /** Changes with every invalidation; pass the value read before judging to `set`. */
  get generation(): number {
    return this.#generation;
  }

  get stats(): { hits: number; misses: number; size: number } {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }

  get(key: JudgementKey): Judgement | undefined {
    const id = keyId(key);
    const entry = this.#entries.get(id);
    if (entry && entry.expires > this.#now()) {
      this.#hits++;
      return entry.judgement;
    }
    if (entry) this.#entries.delete(id);
    this.#misses++;
    return undefined;
  }

  /** Stores `judgement` unless something changed since `generation` was read. */
  set(key: JudgementKey, judgement: Judgement, generation: number): void {
    if (generation !== this.#generation || this.#ttlMs === 0) return;
    const id = keyId(key);
    this.#entries.delete(id);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(id, { judgement, digest: key.digest, expires: this.#now() + this.#ttlMs });
  }

  /** Drops what a change makes stale: the judgements of its digests, or everything. */
  apply(change: ImageChange): void {
    this.#generation++;
    if ('all' in change) {
      this.#entries.clear();
      return;
    }
    const digests = new Set(change.digests);
    for (const [id, entry] of this.#entries) if (digests.has(entry.digest)) this.#entries.delete(id);
  }
}

function keyId(key: JudgementKey): string {
  return [key.registry, key.repository, key.tag ?? '', key.digest, key.policySetVersion, key.namespace].join(
    '\0',
  );
}
