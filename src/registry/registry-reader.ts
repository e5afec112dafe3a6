import { pipeline, type Readable } from 'node:stream';
import { PushgateError, withContext } from '../errors.js';
import { printable } from '../escape-text.js';
import { digestOf, parseDigest, verifyBuffer } from '../oci/digest.js';
import { DigestCheckStream } from '../oci/digest-check-stream.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../oci/manifest.js';
import { isSchema1MediaType, MANIFEST_ACCEPT, MediaType } from '../oci/media-types.js';
import { registryApiHost } from '../oci/reference.js';
import type { Descriptor } from '../oci/types.js';
import { RegistryAuth, type AuthState } from './auth.js';
import { checkDigestReference, checkManifestReference, checkRepository, pullScope } from './check-request.js';
import { hasCredentials, type RegistryCredentials } from './credentials.js';
import { loadDockerConfig } from './docker-config.js';
import { nextLink } from './link-header.js';
import { readBodyCapped } from './read-body.js';
import { registryErrorFrom } from './registry-error.js';
import { SsrfGuard } from './ssrf-guard.js';
import { TokenCache } from './token-cache.js';
import {
  discardBody,
  headerValue,
  HttpTransport,
  type HttpResponse,
  type RetryEvent,
  type RetryOptions,
  type TimeoutOptions,
} from './transport.js';

const MAX_TAG_PAGES = 10_000;
const MAX_TAGS = 1_000_000;
const MAX_REFERRER_PAGES = 100;

export interface RegistryOptions {
  /** Registry as named in references: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /**
   * Hosts besides the registry the client may contact: token realms and blob redirect targets
   * (`host[:port]` or `*.domain[:port]`; see SsrfGuard). Defaults to `wellKnownAllowedHosts(registry)`;
   * an explicit list replaces the default.
   */
  allowedHosts?: string[];
  /** Talk plain HTTP to the registry host (only when asked: `--plain-http` or per-registry config). */
  plainHttp?: boolean;
  /** Other hosts (token realm, redirect targets) that may be reached over plain HTTP. */
  plainHttpHosts?: string[];
  /** Credentials for this registry; they win over the Docker config. */
  credentials?: RegistryCredentials;
  /** A Docker `config.json` to take credentials from (`auths`). */
  dockerConfigPath?: string;
  /** Run credential helpers named in the Docker config (executes binaries; off by default). */
  credentialHelpers?: boolean;
  retry?: RetryOptions;
  timeouts?: TimeoutOptions;
  /** Aborts every request and body in flight (a scan's deadline); see TransportOptions.signal. */
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
  userAgent?: string;
  /** Share tokens between clients of the same registry. */
  tokenCache?: TokenCache;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface FetchedManifest {
  /** Digest of the bytes received (verified against the reference when it was a digest). */
  digest: string;
  /** The body's own `mediaType`, else the Content-Type without parameters. */
  mediaType: string;
  body: Buffer;
  /** `Docker-Content-Digest` as the registry sent it: a hint only (ggcr: too often wrong for tags). */
  registryDigest?: string;
}

export interface ReferrersResult {
  manifests: Descriptor[];
  /** `api` when the registry has the referrers API, `tag` when the fallback tag schema was used. */
  via: 'api' | 'tag';
}

export interface ListTagsOptions {
  /** `n` per page; the registry's default when unset. */
  pageSize?: number;
}

/**
 * Well-known extra hosts of public registries (token realms, blob CDNs). From public knowledge,
 * not verified from this machine (no internet): callers with other needs pass `allowedHosts`.
 */
export function wellKnownAllowedHosts(registry: string): string[] {
  switch (registryApiHost(registry)) {
    case 'registry-1.docker.io':
      return ['auth.docker.io', 'production.cloudflare.docker.com', '*.r2.cloudflarestorage.com'];
    case 'ghcr.io':
      return ['pkg-containers.githubusercontent.com'];
    default:
      return [];
  }
}

/** The fallback tag for referrers of `digest` (distribution-spec "Referrers Tag Schema"). */
export function referrersTag(digest: string): string {
  const colon = digest.indexOf(':');
  const algorithm = digest
    .slice(0, colon)
    .replace(/[^a-zA-Z0-9._-]/g, '-')
    .slice(0, 32);
  const encoded = digest
    .slice(colon + 1)
    .replace(/[^a-zA-Z0-9._-]/g, '-')
    .slice(0, 64);
  return `${algorithm}-${encoded}`;
}

interface RegistryCall {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST';
  /** Path after `/v2/`, or an absolute URL already checked to be on the registry origin. */
  path: string | URL;
  headers?: Record<string, string>;
  /** A buffer, or a stream opened afresh for each attempt (see HttpRequest.body). */
  body?: Buffer | (() => Promise<Readable>);
  scopes: string[];
  what: string;
}

/**
 * An OCI Distribution client for one registry that only reads: manifests, blobs, tags, referrers.
 * Every manifest and blob is verified against its digest and size; hosts are checked by the SSRF
 * guard; auth, redirects and retries are handled below, so callers only see content or a
 * PushgateError that names the operation. Writes (delete, push, mount, upload) are
 * `RegistryWriter`'s, which only `src/actions` is handed: everything else holds a reader.
 */
export class RegistryReader {
  readonly registry: string;
  readonly apiHost: string;
  protected readonly guard: SsrfGuard;
  private readonly transport: HttpTransport;
  private readonly auth: RegistryAuth;
  private readonly userAgent: string;

  constructor(options: RegistryOptions) {
    this.registry = options.registry;
    this.apiHost = registryApiHost(options.registry);
    this.userAgent = options.userAgent ?? 'pushgate';
    this.guard = new SsrfGuard({
      registryHost: this.apiHost,
      allowedHosts: options.allowedHosts ?? wellKnownAllowedHosts(options.registry),
      plainHttpHosts: [
        ...(options.plainHttp === true ? [this.apiHost] : []),
        ...(options.plainHttpHosts ?? []),
      ],
    });
    this.transport = new HttpTransport({
      guard: this.guard,
      retry: options.retry,
      timeouts: options.timeouts,
      onRetry: options.onRetry,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const explicit = options.credentials;
    const dockerConfigPath = options.dockerConfigPath;
    this.auth = new RegistryAuth({
      transport: this.transport,
      guard: this.guard,
      tokenCache: options.tokenCache,
      userAgent: this.userAgent,
      credentials: async () => {
        if (hasCredentials(explicit)) return explicit;
        if (dockerConfigPath === undefined) return undefined;
        const config = await loadDockerConfig(dockerConfigPath, {
          credentialHelpers: options.credentialHelpers,
        });
        return config.credentialsFor(options.registry);
      },
    });
  }

  /** Bearer tokens fetched so far (cache misses); tests use it to see the cache work. */
  get tokenRequests(): number {
    return this.auth.tokenRequests;
  }

  /** Resolves a tag (or digest) to the manifest's digest, media type and size without a pull. */
  async headManifest(repository: string, reference: string): Promise<ManifestHead> {
    const what = `resolve ${this.describe(repository, reference)}`;
    const { response, byDigest } = await this.requestManifest('HEAD', repository, reference, what);
    await discardBody(response.body);
    const mediaType = contentType(response) ?? '';
    if (isSchema1MediaType(mediaType)) throw schema1(what);
    const digest = headerValue(response.headers, 'docker-content-digest');
    const size = Number(headerValue(response.headers, 'content-length') ?? NaN);
    if (digest === undefined || !Number.isSafeInteger(size) || size < 0) {
      // The spec requires both headers; without them the only way to learn the digest is to pull.
      const fetched = await this.getManifest(repository, reference);
      return { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.body.length };
    }
    try {
      parseDigest(digest);
    } catch (err) {
      throw withContext(`${what}: Docker-Content-Digest`, err);
    }
    if (byDigest && digest !== reference) {
      throw new PushgateError('DIGEST_MISMATCH', `${what}: registry answered for ${printable(digest)}`);
    }
    return { digest, mediaType, size };
  }

  /**
   * Pulls a manifest (index or image manifest) with the full Accept list. By digest, the bytes are
   * verified; by tag, the digest of the bytes received is reported. `expectedSize` (from a
   * descriptor) is checked too. Schema1 is refused; bodies over 4 MiB are refused.
   */
  async getManifest(repository: string, reference: string, expectedSize?: number): Promise<FetchedManifest> {
    const what = `pull manifest ${this.describe(repository, reference)}`;
    const { response, byDigest } = await this.requestManifest('GET', repository, reference, what);
    const transportType = contentType(response);
    if (isSchema1MediaType(transportType)) {
      await discardBody(response.body);
      throw schema1(what);
    }
    const body = await readBodyCapped(response.body, response.headers, MAX_MANIFEST_BYTES, what);
    let digest: string;
    if (byDigest) {
      verifyBuffer(body, reference, `${what}: content`, expectedSize);
      digest = reference;
    } else {
      if (expectedSize !== undefined && body.length !== expectedSize) {
        throw new PushgateError(
          'SIZE_MISMATCH',
          `${what}: got ${body.length} bytes, expected ${expectedSize}`,
        );
      }
      digest = digestOf(body);
    }
    const declared = declaredMediaType(body);
    if (isSchema1MediaType(declared)) throw schema1(what);
    return {
      digest,
      mediaType: declared ?? transportType ?? '',
      body,
      registryDigest: headerValue(response.headers, 'docker-content-digest'),
    };
  }

  /** A manifest request with the full Accept list; a 200 or the registry's error. */
  private async requestManifest(
    method: 'GET' | 'HEAD',
    repository: string,
    reference: string,
    what: string,
  ): Promise<{ response: HttpResponse; byDigest: boolean }> {
    checkRepository(repository, what);
    const byDigest = checkManifestReference(reference, what);
    const response = await this.call({
      method,
      path: `${repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [pullScope(repository)],
      what,
    });
    if (response.status !== 200) throw await registryErrorFrom(response, what);
    return { response, byDigest };
  }

  /**
   * The raw bytes of a blob as a stream that fails with SIZE_MISMATCH / DIGEST_MISMATCH at EOF
   * when they are not what the descriptor promises, and never yields more than descriptor.size.
   */
  async getBlob(repository: string, descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    const what = `pull blob ${this.describe(repository, descriptor.digest)}`;
    checkRepository(repository, what);
    const verify = new DigestCheckStream({ digest: descriptor.digest, size: descriptor.size, what });
    const response = await this.call({
      method: 'GET',
      path: `${repository}/blobs/${descriptor.digest}`,
      scopes: [pullScope(repository)],
      what,
    });
    if (response.status !== 200) throw await registryErrorFrom(response, what);
    const declared = Number(headerValue(response.headers, 'content-length') ?? NaN);
    if (Number.isFinite(declared) && declared !== descriptor.size) {
      await discardBody(response.body);
      throw new PushgateError(
        'SIZE_MISMATCH',
        `${what}: registry sends ${declared} bytes, descriptor says ${descriptor.size}`,
        {
          details: { expectedSize: descriptor.size, declared },
        },
      );
    }
    pipeline(response.body, verify, () => {
      // Errors reach the consumer through `verify`; destroying it early destroys the body too.
    });
    return verify;
  }

  /** A small blob (image config) read whole, verified, refused above `cap` bytes. */
  async getBlobBuffer(
    repository: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    cap: number = MAX_MANIFEST_BYTES,
  ): Promise<Buffer> {
    const what = `pull blob ${this.describe(repository, descriptor.digest)}`;
    if (descriptor.size > cap) {
      throw new PushgateError(
        'BODY_TOO_LARGE',
        `${what}: ${descriptor.size} bytes exceeds the ${cap}-byte limit`,
      );
    }
    const stream = await this.getBlob(repository, descriptor);
    return readBodyCapped(stream, {}, cap, what);
  }

  /** Every tag of a repository, following `Link: <…>; rel="next"` pages on the registry's origin. */
  async listTags(repository: string, options: ListTagsOptions = {}): Promise<string[]> {
    const what = `list tags of ${this.registry}/${repository}`;
    checkRepository(repository, what);
    let target: string | URL =
      `${repository}/tags/list${options.pageSize !== undefined ? `?n=${options.pageSize}` : ''}`;
    const tags: string[] = [];
    const seen = new Set<string>();
    for (let page = 0; page < MAX_TAG_PAGES; page++) {
      const response = await this.call({
        method: 'GET',
        path: target,
        scopes: [pullScope(repository)],
        what,
      });
      if (response.status !== 200) throw await registryErrorFrom(response, what);
      const body = await readBodyCapped(response.body, response.headers, MAX_MANIFEST_BYTES, what);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        throw new PushgateError('REGISTRY_ERROR', `${what}: the tag list is not JSON`);
      }
      const pageTags = (json as { tags?: unknown } | null)?.tags;
      if (pageTags !== null && pageTags !== undefined) {
        if (!Array.isArray(pageTags) || !pageTags.every((t) => typeof t === 'string')) {
          throw new PushgateError('REGISTRY_ERROR', `${what}: "tags" is not a list of strings`);
        }
        tags.push(...pageTags);
        if (tags.length > MAX_TAGS)
          throw new PushgateError('REGISTRY_ERROR', `${what}: more than ${MAX_TAGS} tags`);
      }
      const next = this.nextPage(response, what);
      if (next === undefined) return tags;
      if (seen.has(next.href))
        throw new PushgateError(
          'REGISTRY_ERROR',
          `${what}: pagination loops back to ${printable(next.pathname + next.search)}`,
        );
      seen.add(next.href);
      target = next;
    }
    throw new PushgateError('REGISTRY_ERROR', `${what}: more than ${MAX_TAG_PAGES} pages`);
  }

  /**
   * Manifests that refer to `digest` (signatures, SBOMs, attestations) through the referrers API,
   * or the `sha256-<hex>` fallback tag when the API answers 404, 400 or 406.
   */
  async referrers(repository: string, digest: string, artifactType?: string): Promise<ReferrersResult> {
    const what = `list referrers of ${this.describe(repository, digest)}`;
    checkRepository(repository, what);
    checkDigestReference(digest, what);
    const query = artifactType !== undefined ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    let target: string | URL = `${repository}/referrers/${digest}${query}`;
    const manifests: Descriptor[] = [];
    let filtered = true;
    for (let page = 0; page < MAX_REFERRER_PAGES; page++) {
      const response = await this.call({
        method: 'GET',
        path: target,
        headers: { accept: MediaType.ociIndex },
        scopes: [pullScope(repository)],
        what,
      });
      if (page === 0 && (response.status === 404 || response.status === 400 || response.status === 406)) {
        await discardBody(response.body);
        return { manifests: await this.referrersFromTag(repository, digest, artifactType), via: 'tag' };
      }
      if (response.status !== 200) throw await registryErrorFrom(response, what);
      const applied = headerValue(response.headers, 'oci-filters-applied') ?? '';
      if (
        !applied
          .split(',')
          .map((f) => f.trim())
          .includes('artifactType')
      )
        filtered = false;
      const body = await readBodyCapped(response.body, response.headers, MAX_MANIFEST_BYTES, what);
      manifests.push(...indexChildren(body, contentType(response), what));
      const next = this.nextPage(response, what);
      if (next === undefined) break;
      target = next;
    }
    return { manifests: filtered ? manifests : filterArtifactType(manifests, artifactType), via: 'api' };
  }

  private async referrersFromTag(
    repository: string,
    digest: string,
    artifactType?: string,
  ): Promise<Descriptor[]> {
    const tag = referrersTag(digest);
    let fetched: FetchedManifest;
    try {
      fetched = await this.getManifest(repository, tag);
    } catch (err) {
      if (err instanceof PushgateError && err.code === 'REGISTRY_NOT_FOUND') return [];
      throw err;
    }
    const what = `referrers fallback tag ${this.describe(repository, tag)}`;
    return filterArtifactType(indexChildren(fetched.body, fetched.mediaType, what), artifactType);
  }

  /** Releases connections. The client must not be used afterwards. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  protected describe(repository: string, reference: string): string {
    const separator = reference.includes(':') ? '@' : ':';
    return `${this.registry}/${printable(repository, 256)}${separator}${printable(reference, 160)}`;
  }

  private nextPage(response: HttpResponse, what: string): URL | undefined {
    const link = nextLink(response.headers.link);
    if (link === undefined) return undefined;
    let next: URL;
    try {
      next = new URL(link, response.url);
    } catch {
      throw new PushgateError('REGISTRY_ERROR', `${what}: invalid Link "${printable(link)}"`);
    }
    if (!this.guard.isRegistryOrigin(next)) {
      throw new PushgateError(
        'SSRF_BLOCKED',
        `${what}: next page on another origin (${printable(next.origin)}) refused`,
      );
    }
    return next;
  }

  /** One registry request with authentication: learns the scheme from 401s and retries once or twice. */
  protected async call(call: RegistryCall): Promise<HttpResponse> {
    const url = call.path instanceof URL ? call.path : new URL(`/v2/${call.path}`, this.guard.registryOrigin);
    try {
      let state: AuthState = await this.auth.authorize(call.scopes);
      // At most: first try, retry with a (fresh) token, retry with a token for more scopes.
      for (let round = 0; round < 3; round++) {
        const current = state;
        const response = await this.transport.send({
          method: call.method,
          url,
          headers: { 'user-agent': this.userAgent, ...call.headers },
          body: call.body,
          // Registry credentials go to the registry's origin only, never to a redirect target.
          authorizationFor: (hop) => (this.guard.isRegistryOrigin(hop) ? current.header : undefined),
        });
        if (response.status !== 401) return response;
        const challenge = response.headers['www-authenticate'];
        await discardBody(response.body);
        state = await this.auth.onUnauthorized(challenge, call.scopes, current, call.what);
      }
      throw new PushgateError('REGISTRY_AUTH', `${call.what}: still unauthorized after renewing the token`);
    } catch (err) {
      if (err instanceof PushgateError && err.message.startsWith(call.what)) throw err;
      throw withContext(call.what, err);
    }
  }
}

function contentType(response: HttpResponse): string | undefined {
  const value = headerValue(response.headers, 'content-type');
  return value === undefined ? undefined : value.split(';')[0].trim();
}

function declaredMediaType(body: Buffer): string | undefined {
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (typeof json === 'object' && json !== null) {
      const mediaType = (json as { mediaType?: unknown }).mediaType;
      if (typeof mediaType === 'string') return mediaType;
      if ((json as { schemaVersion?: unknown }).schemaVersion === 1) return MediaType.dockerSchema1;
    }
  } catch {
    // Not JSON: parseManifest reports it when the caller parses the body.
  }
  return undefined;
}

function schema1(what: string): PushgateError {
  return new PushgateError(
    'MANIFEST_UNSUPPORTED',
    `${what}: Docker schema1 manifests are not supported (deprecated since 2017); push the image again with a current client`,
  );
}

function indexChildren(body: Buffer, mediaType: string | undefined, what: string): Descriptor[] {
  let parsed;
  try {
    parsed = parseManifest(body, mediaType ?? MediaType.ociIndex);
  } catch (err) {
    throw withContext(what, err);
  }
  if (parsed.kind !== 'index')
    throw new PushgateError('MANIFEST_INVALID', `${what}: expected an index, got an image manifest`);
  return parsed.manifests;
}

function filterArtifactType(manifests: Descriptor[], artifactType: string | undefined): Descriptor[] {
  if (artifactType === undefined) return manifests;
  return manifests.filter((m) => m.artifactType === artifactType);
}
