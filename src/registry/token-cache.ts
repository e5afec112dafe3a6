import { canonicalScopes } from './merge-scopes.js';

export interface CachedToken {
  token: string;
  /** Epoch milliseconds after which the token is not used any more. */
  expiresAt: number;
}

export interface TokenResponseTimes {
  /** `expires_in` from the token response, seconds. */
  expiresIn?: number;
  /** `issued_at` from the token response (RFC 3339). */
  issuedAt?: string;
}

/** Token lifetime floor from token.md: servers must not issue tokens shorter than 60 s. */
const MIN_LIFETIME_S = 60;
/** Renew this long before the server's expiry so a request never carries a token about to lapse. */
const SAFETY_MARGIN_MS = 10_000;
/** A claimed issue time further than this from our clock is clock skew; trust our clock instead. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** issued_at + max(expires_in, 60) − 10 s, with issued_at defaulting to the time we received it. */
export function tokenExpiry(times: TokenResponseTimes, receivedAt: number): number {
  const lifetimeS =
    typeof times.expiresIn === 'number' && Number.isFinite(times.expiresIn)
      ? Math.max(times.expiresIn, MIN_LIFETIME_S)
      : MIN_LIFETIME_S;
  let issued = receivedAt;
  if (times.issuedAt !== undefined) {
    const parsed = Date.parse(times.issuedAt);
    if (Number.isFinite(parsed) && Math.abs(parsed - receivedAt) <= MAX_CLOCK_SKEW_MS) issued = parsed;
  }
  return issued + lifetimeS * 1000 - SAFETY_MARGIN_MS;
}

/**
 * Bearer tokens keyed by (realm, service, scope set, credential identity). Concurrent requests for
 * the same key share one token request (single flight), and a failed fetch is not cached.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  static key(parts: {
    realm: string;
    service?: string;
    scopes: readonly string[];
    credentialId: string;
  }): string {
    const scopes = canonicalScopes(parts.scopes);
    return JSON.stringify([parts.realm, parts.service ?? '', scopes, parts.credentialId]);
  }

  /** A valid cached token, without fetching. */
  peek(key: string): CachedToken | undefined {
    const cached = this.tokens.get(key);
    if (cached === undefined) return undefined;
    if (cached.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return cached;
  }

  /** The cached token for `key`, or the result of `fetch` (shared with concurrent callers). */
  async get(key: string, fetch: () => Promise<CachedToken>): Promise<CachedToken> {
    const cached = this.peek(key);
    if (cached !== undefined) return cached;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const promise = (async () => {
      try {
        const token = await fetch();
        this.tokens.set(key, token);
        return token;
      } finally {
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, promise);
    return promise;
  }

  invalidate(key: string): void {
    this.tokens.delete(key);
  }

  get size(): number {
    return this.tokens.size;
  }
}
