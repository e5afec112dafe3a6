import { PushgateError } from '../errors.js';
import { challengeScopes, parseAuthChallenges, type AuthChallenge } from './auth-challenge.js';
import { basicAuthorization, credentialId, hasCredentials, type RegistryCredentials } from './credentials.js';
import { canonicalScopes, mergeScopes, scopesCover } from './merge-scopes.js';
import { printable } from '../escape-text.js';
import type { SsrfGuard } from './ssrf-guard.js';
import { TokenCache, tokenExpiry, type CachedToken } from './token-cache.js';
import { discardBody, headerValue, type HttpTransport } from './transport.js';

/** Authorization to send with one request, and how it was obtained. */
export interface AuthState {
  header?: string;
  scheme: 'none' | 'basic' | 'bearer';
  /** Scopes the bearer token was requested for. */
  scopes: string[];
  /** True when the token was fetched for this request rather than taken from the cache. */
  fresh: boolean;
  cacheKey?: string;
}

export interface RegistryAuthOptions {
  transport: HttpTransport;
  guard: SsrfGuard;
  /** Resolved lazily, once. */
  credentials: () => Promise<RegistryCredentials | undefined>;
  tokenCache?: TokenCache;
  userAgent: string;
}

/** Token responses are small JSON documents; anything bigger is hostile (ggcr caps at 64 KiB). */
const MAX_TOKEN_RESPONSE = 64 * 1024;

interface BearerScheme {
  realm: string;
  service?: string;
}

/**
 * Registry authentication: learns the scheme from the first 401, then sends Basic on every request
 * (Basic challenge) or obtains bearer tokens (token.md): anonymous, with Basic credentials to the
 * realm, or with an identity token through the OAuth2 refresh-token grant. Tokens are cached per
 * (realm, service, scope set, credential) and fetched once per key at a time. A 401 after a fresh
 * token for the same scopes is an error, never a loop.
 */
export class RegistryAuth {
  private readonly transport: HttpTransport;
  private readonly guard: SsrfGuard;
  private readonly resolveCredentials: () => Promise<RegistryCredentials | undefined>;
  private credentialsPromise?: Promise<RegistryCredentials | undefined>;
  private readonly tokens: TokenCache;
  private readonly userAgent: string;
  private scheme: { kind: 'unknown' } | { kind: 'basic' } | ({ kind: 'bearer' } & BearerScheme) = {
    kind: 'unknown',
  };
  /**
   * The scopes a registry asked for when ours were not enough (e.g. `delete` besides `push`),
   * remembered per request scope set so the next request asks for them at once.
   */
  private readonly extraScopes = new Map<string, string[]>();
  /** Token requests made (not cache hits); for tests and metrics. */
  tokenRequests = 0;

  constructor(options: RegistryAuthOptions) {
    this.transport = options.transport;
    this.guard = options.guard;
    this.resolveCredentials = options.credentials;
    this.tokens = options.tokenCache ?? new TokenCache();
    this.userAgent = options.userAgent;
  }

  credentials(): Promise<RegistryCredentials | undefined> {
    this.credentialsPromise ??= this.resolveCredentials();
    return this.credentialsPromise;
  }

  /** Authorization for a request needing `scopes`, from what is already known about the registry. */
  async authorize(scopes: string[]): Promise<AuthState> {
    const credentials = await this.credentials();
    if (this.scheme.kind === 'basic') return this.basicState(credentials);
    if (this.scheme.kind === 'bearer') {
      const wanted = mergeScopes(scopes, this.extraScopes.get(canonicalScopes(scopes)) ?? []);
      return this.bearerState(this.scheme, wanted, credentials, false);
    }
    // Before the first challenge: a registry token from Docker's config is meant to be sent as is.
    if (credentials?.registryToken !== undefined) {
      return { header: `Bearer ${credentials.registryToken}`, scheme: 'bearer', scopes, fresh: false };
    }
    return { scheme: 'none', scopes, fresh: false };
  }

  /**
   * Decides what to do after a 401. Returns the authorization to retry with, or throws
   * REGISTRY_AUTH / REGISTRY_DENIED when retrying cannot help. `what` names the operation.
   */
  async onUnauthorized(
    wwwAuthenticate: string | string[] | undefined,
    scopes: string[],
    previous: AuthState,
    what: string,
  ): Promise<AuthState> {
    const credentials = await this.credentials();
    const challenges = parseAuthChallenges(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm !== undefined);
    const basic = challenges.find((c) => c.scheme === 'basic');

    if (bearer !== undefined) {
      const scheme: BearerScheme = { realm: bearer.params.realm, service: bearer.params.service };
      this.scheme = { kind: 'bearer', ...scheme };
      const wanted = mergeScopes(
        previous.scheme === 'bearer' ? previous.scopes : scopes,
        challengeScopes(bearer),
      );
      // As sets of actions: a challenge repeating our scope with the actions reordered asks for nothing new.
      const nothingNew = scopesCover(previous.scopes, wanted);
      if (previous.scheme === 'bearer' && previous.fresh && nothingNew) {
        throw this.refused(bearer, credentials, what, wanted);
      }
      if (previous.cacheKey !== undefined) this.tokens.invalidate(previous.cacheKey);
      if (!scopesCover(scopes, wanted)) this.extraScopes.set(canonicalScopes(scopes), wanted);
      return this.bearerState(scheme, wanted, credentials, true);
    }
    if (basic !== undefined) {
      this.scheme = { kind: 'basic' };
      if (previous.scheme === 'basic' || !hasCredentials(credentials) || credentials.username === undefined) {
        throw this.refused(basic, credentials, what, scopes);
      }
      return this.basicState(credentials);
    }
    throw new PushgateError(
      'REGISTRY_AUTH',
      `${what}: HTTP 401 with no usable challenge (WWW-Authenticate: ${printable(String(wwwAuthenticate ?? 'missing'))})`,
    );
  }

  private refused(
    challenge: AuthChallenge,
    credentials: RegistryCredentials | undefined,
    what: string,
    scopes: string[],
  ): PushgateError {
    const registryError = challenge.params.error;
    const scopeText = scopes.length > 0 ? ` for ${scopes.join(' ')}` : '';
    if (!hasCredentials(credentials)) {
      return new PushgateError(
        'REGISTRY_AUTH',
        `${what}: the registry requires credentials${scopeText} and none are configured (HTTP 401)`,
        { details: { registryError } },
      );
    }
    if (registryError === 'insufficient_scope') {
      return new PushgateError(
        'REGISTRY_DENIED',
        `${what}: the credentials were accepted but not granted${scopeText} (HTTP 401 insufficient_scope)`,
        {
          details: { registryError, scopes },
        },
      );
    }
    return new PushgateError(
      'REGISTRY_AUTH',
      `${what}: the registry refused the credentials${scopeText} (HTTP 401${registryError ? ` ${printable(registryError)}` : ''})`,
      { details: { registryError, scopes } },
    );
  }

  private basicState(credentials: RegistryCredentials | undefined): AuthState {
    if (credentials?.username === undefined || credentials.password === undefined) {
      return { scheme: 'basic', scopes: [], fresh: false };
    }
    return {
      header: basicAuthorization(credentials.username, credentials.password),
      scheme: 'basic',
      scopes: [],
      fresh: false,
    };
  }

  private async bearerState(
    scheme: BearerScheme,
    scopes: string[],
    credentials: RegistryCredentials | undefined,
    forceFresh: boolean,
  ): Promise<AuthState> {
    const key = TokenCache.key({
      realm: scheme.realm,
      service: scheme.service,
      scopes,
      credentialId: credentialId(credentials),
    });
    const cached = forceFresh ? undefined : this.tokens.peek(key);
    if (cached !== undefined) {
      return { header: `Bearer ${cached.token}`, scheme: 'bearer', scopes, fresh: false, cacheKey: key };
    }
    if (forceFresh) this.tokens.invalidate(key);
    const token = await this.tokens.get(key, () => this.fetchToken(scheme, scopes, credentials));
    return { header: `Bearer ${token.token}`, scheme: 'bearer', scopes, fresh: true, cacheKey: key };
  }

  private async fetchToken(
    scheme: BearerScheme,
    scopes: string[],
    credentials: RegistryCredentials | undefined,
  ): Promise<CachedToken> {
    let realm: URL;
    try {
      // Some registries send a realm relative to themselves (regclient accepts that too).
      realm = new URL(scheme.realm, this.guard.registryOrigin);
    } catch {
      throw new PushgateError('REGISTRY_AUTH', `token realm "${printable(scheme.realm)}" is not a URL`);
    }
    // Before any credential leaves: the realm must be a host the caller allowed.
    this.guard.check(realm, 'token realm');
    const what = `token request to ${realm.host}${scopes.length > 0 ? ` for ${scopes.join(' ')}` : ''}`;
    this.tokenRequests++;

    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'application/json' };
    let response;
    const receivedAt = Date.now();
    if (credentials?.identityToken !== undefined) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.identityToken,
        client_id: 'pushgate',
        ...(scheme.service !== undefined ? { service: scheme.service } : {}),
        ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
      });
      headers['content-type'] = 'application/x-www-form-urlencoded';
      response = await this.transport.send({
        method: 'POST',
        url: realm,
        headers,
        body: form.toString(),
        purpose: 'token realm',
      });
    } else {
      const url = new URL(realm);
      if (scheme.service !== undefined) url.searchParams.set('service', scheme.service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const basic =
        credentials?.username !== undefined && credentials.password !== undefined
          ? basicAuthorization(credentials.username, credentials.password)
          : undefined;
      // Basic credentials go to the realm's own origin only, never to where it redirects.
      response = await this.transport.send({
        method: 'GET',
        url,
        headers,
        purpose: 'token realm',
        authorizationFor: (hop) => (hop.origin === url.origin ? basic : undefined),
      });
    }

    if (response.status !== 200) {
      await discardBody(response.body);
      const code = response.status === 401 || response.status === 403 ? 'REGISTRY_AUTH' : 'REGISTRY_ERROR';
      const transient = response.status >= 500 || response.status === 429;
      throw new PushgateError(
        code,
        `${what}: HTTP ${response.status}${code === 'REGISTRY_AUTH' ? ' (the token server refused the credentials)' : ''}`,
        { transient },
      );
    }
    const contentLength = Number(headerValue(response.headers, 'content-length') ?? NaN);
    if (Number.isFinite(contentLength) && contentLength > MAX_TOKEN_RESPONSE) {
      response.body.destroy();
      throw new PushgateError(
        'BODY_TOO_LARGE',
        `${what}: response of ${contentLength} bytes exceeds ${MAX_TOKEN_RESPONSE}`,
      );
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > MAX_TOKEN_RESPONSE) {
        response.body.destroy();
        throw new PushgateError('BODY_TOO_LARGE', `${what}: response exceeds ${MAX_TOKEN_RESPONSE} bytes`);
      }
      chunks.push(chunk);
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new PushgateError('REGISTRY_AUTH', `${what}: the token response is not JSON`);
    }
    const record = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    const token =
      typeof record.token === 'string' && record.token !== ''
        ? record.token
        : typeof record.access_token === 'string' && record.access_token !== ''
          ? record.access_token
          : undefined;
    if (token === undefined)
      throw new PushgateError('REGISTRY_AUTH', `${what}: the token response carries no token`);
    return {
      token,
      expiresAt: tokenExpiry(
        {
          expiresIn: typeof record.expires_in === 'number' ? record.expires_in : undefined,
          issuedAt: typeof record.issued_at === 'string' ? record.issued_at : undefined,
        },
        receivedAt,
      ),
    };
  }
}
