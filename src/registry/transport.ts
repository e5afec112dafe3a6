import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { Agent, request } from './undici-core.js';
import { PushgateError } from '../errors.js';
import { printable } from '../escape-text.js';
import { DEFAULT_THROUGHPUT_LIMITS } from '../throughput/throughput-watch.js';
import type { SsrfGuard, UrlPurpose } from './ssrf-guard.js';
import { throughputInterceptor } from './throughput-interceptor.js';

export interface RetryOptions {
  /** Total tries per request, first included. Default 4. */
  attempts?: number;
  /** First backoff delay; doubles per retry, with jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** Ceiling for one backoff delay. Default 10 s. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` the client waits for. A registry asking for more gets a
   * REGISTRY_TOO_MANY_REQUESTS error (transient) instead of a stalled scan. Default 60 s.
   */
  maxRetryAfterMs?: number;
}

export interface TimeoutOptions {
  /** TCP + TLS connect. Default 10 s. */
  connectMs?: number;
  /** From request sent to response headers. Default 60 s. */
  headersMs?: number;
  /** Longest silence while reading a body. Default 60 s. */
  bodyIdleMs?: number;
  /**
   * Least a body must deliver, averaged over `bodyStallWindowMs`: a registry that dribbles a byte
   * now and then defeats `bodyIdleMs` but not this (REGISTRY_UNREACHABLE). 0 turns it off.
   * Default 1024 bytes/s.
   */
  minBodyBytesPerSecond?: number;
  /** The window of `minBodyBytesPerSecond`. Default 60 s. */
  bodyStallWindowMs?: number;
}

export interface RetryEvent {
  url: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface TransportOptions {
  guard: SsrfGuard;
  retry?: RetryOptions;
  timeouts?: TimeoutOptions;
  /** Told about every retry, e.g. for logging. */
  onRetry?: (event: RetryEvent) => void;
  /** Use this dispatcher instead of an own Agent (tests, proxies). Not closed by `close()`. */
  dispatcher?: Dispatcher;
  /** Aborts every request and body in flight (a scan's deadline); requests fail with its reason. */
  signal?: AbortSignal;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  /**
   * A buffer, or a function opening a fresh stream for each attempt (a stream cannot be sent
   * twice, and retries and token renewals resend): large blobs flow through without buffering.
   */
  body?: Buffer | string | (() => Promise<Readable>);
  /** What the URL is, for the SSRF check of the first hop. */
  purpose?: UrlPurpose;
  /**
   * Authorization for a hop's URL. Called for every hop so that a redirect to another origin
   * never carries the registry's credentials.
   */
  authorizationFor?: (url: URL) => string | undefined;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
  /** The URL that produced this response (after redirects). */
  url: URL;
}

export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function networkCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How to reach a plain-HTTP registry, for both the CLI and the service configuration. */
const USE_PLAIN_HTTP = 'use --plain-http (in the service: an http:// registry url)';

/**
 * An HTTPS request answered in plain HTTP: OpenSSL reads `HTTP/1.1 …` as a TLS record and reports
 * a "wrong version number". Said as what it means instead of the OpenSSL error.
 */
function answeredPlainHttp(url: URL, code: string | undefined, message: string): PushgateError | undefined {
  if (url.protocol !== 'https:') return undefined;
  if (code !== 'ERR_SSL_WRONG_VERSION_NUMBER' && !/wrong version number|http request/i.test(message))
    return undefined;
  return new PushgateError(
    'REGISTRY_UNREACHABLE',
    `${url.host}: the registry answered plain HTTP to an HTTPS request; ${USE_PLAIN_HTTP}`,
    { details: { code } },
  );
}

/** Go's and nginx's answers to plain HTTP on a TLS port ("Client sent an HTTP request to an HTTPS server"). */
const TLS_PORT_ANSWER = /HTTPS server|HTTPS port|TLS handshake|SSL port/i;

/**
 * A 400 to a plain-HTTP request that is not the registry's own (no distribution API header) may be
 * a TLS server refusing plain HTTP: its short body says so. Anything else is handed on, body intact.
 */
async function wantsTls(
  req: HttpRequest,
  response: HttpResponse,
  get: () => Promise<HttpResponse>,
): Promise<HttpResponse> {
  if (headerValue(response.headers, 'docker-distribution-api-version') !== undefined) return response;
  if (req.method === 'HEAD') {
    // A HEAD answer has no body to tell: ask once more with GET, and keep the HEAD answer.
    const probe = await get().catch(() => undefined);
    if (probe === undefined) return response;
    if (probe.status === 400) await wantsTls({ ...req, method: 'GET' }, probe, get);
    probe.body.destroy();
    return response;
  }
  // One iterator for the look and the rest: leaving a for-await early would destroy the body.
  const chunks = response.body[Symbol.asyncIterator]() as AsyncIterator<Buffer | Uint8Array>;
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size <= 4096) {
    const next = await chunks.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    const buffer = Buffer.from(next.value);
    head.push(buffer);
    size += buffer.length;
  }
  const text = Buffer.concat(head).toString('latin1');
  if (ended && TLS_PORT_ANSWER.test(text))
    throw new PushgateError(
      'REGISTRY_UNREACHABLE',
      `${req.url.host}: the registry answered a plain-HTTP request with "${printable(text.trim().slice(0, 120))}": it speaks HTTPS; drop --plain-http (in the service: an https:// registry url)`,
    );
  // Not a TLS port: the caller reads the body as if it had not been looked at.
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    if (ended) return;
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next())
      yield Buffer.from(next.value);
  }
  return { ...response, body: Readable.from(replay()) };
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (Array.isArray(value)) return value[0];
  return value;
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

/** Frees the connection of a response whose body we do not want. */
export async function discardBody(body: Readable): Promise<void> {
  const dump = (body as { dump?: (opts?: { limit?: number }) => Promise<void> }).dump;
  if (typeof dump === 'function') {
    try {
      await dump.call(body, { limit: 128 * 1024 });
    } catch {
      body.destroy();
    }
    return;
  }
  body.destroy();
}

/**
 * HTTP for the registry client: undici `request`, redirects followed here (at most 5 hops, each
 * hop checked by the SSRF guard, Authorization recomputed per hop), and retries with exponential
 * backoff for connection failures, 5xx, 408 and 429 (honouring `Retry-After`).
 * Redirects are followed for GET and HEAD only; registries do not redirect writes.
 */
export class HttpTransport {
  private readonly guard: SsrfGuard;
  private readonly retry: Required<RetryOptions>;
  private readonly dispatcher: Dispatcher;
  private readonly ownAgent?: Agent;
  private readonly timeouts: Required<TimeoutOptions>;
  private readonly onRetry?: (event: RetryEvent) => void;
  private readonly signal?: AbortSignal;

  constructor(options: TransportOptions) {
    this.guard = options.guard;
    this.retry = {
      attempts: Math.max(1, options.retry?.attempts ?? 4),
      baseDelayMs: options.retry?.baseDelayMs ?? 250,
      maxDelayMs: options.retry?.maxDelayMs ?? 10_000,
      maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 60_000,
    };
    this.timeouts = {
      connectMs: options.timeouts?.connectMs ?? 10_000,
      headersMs: options.timeouts?.headersMs ?? 60_000,
      bodyIdleMs: options.timeouts?.bodyIdleMs ?? 60_000,
      minBodyBytesPerSecond:
        options.timeouts?.minBodyBytesPerSecond ?? DEFAULT_THROUGHPUT_LIMITS.minBytesPerSecond,
      bodyStallWindowMs: options.timeouts?.bodyStallWindowMs ?? DEFAULT_THROUGHPUT_LIMITS.windowMs,
    };
    this.onRetry = options.onRetry;
    this.signal = options.signal;
    let base: Dispatcher;
    if (options.dispatcher !== undefined) {
      base = options.dispatcher;
    } else {
      this.ownAgent = new Agent({
        connect: { timeout: this.timeouts.connectMs },
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyIdleMs,
      });
      base = this.ownAgent;
    }
    this.dispatcher = base.compose(
      throughputInterceptor({
        minBytesPerSecond: this.timeouts.minBodyBytesPerSecond,
        windowMs: this.timeouts.bodyStallWindowMs,
      }),
    );
  }

  /**
   * Sends `req`, retrying transient failures. Returns the last response whatever its status (the
   * caller maps statuses to errors); throws REGISTRY_UNREACHABLE when no response came at all,
   * SSRF_BLOCKED for a refused hop.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      this.throwIfAborted();
      let response: HttpResponse;
      try {
        response = await this.sendFollowingRedirects(req);
      } catch (err) {
        if (err instanceof PushgateError) throw err;
        this.throwIfAborted();
        const code = networkCode(err);
        const transient = code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
        if (transient && attempt < this.retry.attempts) {
          const delayMs = this.backoff(attempt);
          this.onRetry?.({ url: req.url.href, attempt, delayMs, reason: code });
          await this.wait(delayMs);
          continue;
        }
        const message = err instanceof Error ? err.message : String(err);
        const plain = answeredPlainHttp(req.url, code, message);
        if (plain) throw plain;
        throw new PushgateError(
          'REGISTRY_UNREACHABLE',
          `${req.method} ${req.url.host}${req.url.pathname}: ${printable(message)}${code ? ` (${code})` : ''}${attempt > 1 ? ` after ${attempt} attempts` : ''}`,
          { cause: err, transient: true, details: { code, attempts: attempt } },
        );
      }
      if (response.status === 400 && req.url.protocol === 'http:')
        response = await wantsTls(req, response, () =>
          this.sendFollowingRedirects({ ...req, method: 'GET', body: undefined }),
        );
      if (!TRANSIENT_STATUSES.has(response.status) || attempt >= this.retry.attempts) return response;
      let delayMs = this.backoff(attempt);
      const retryAfter = parseRetryAfter(headerValue(response.headers, 'retry-after'));
      if (retryAfter !== undefined) {
        if (retryAfter > this.retry.maxRetryAfterMs) return response;
        delayMs = Math.max(delayMs, retryAfter);
      }
      await discardBody(response.body);
      this.onRetry?.({ url: req.url.href, attempt, delayMs, reason: `HTTP ${response.status}` });
      await this.wait(delayMs);
    }
  }

  /** A backoff that the deadline cuts short (the next round then throws its reason). */
  private async wait(ms: number): Promise<void> {
    await sleep(ms, undefined, this.signal === undefined ? undefined : { signal: this.signal }).catch(
      () => undefined,
    );
  }

  /** The deadline's own error (SCAN_TIMEOUT) rather than a retry or a generic abort. */
  private throwIfAborted(): void {
    if (this.signal?.aborted !== true) return;
    const reason: unknown = this.signal.reason;
    if (reason instanceof PushgateError) throw reason;
    throw new PushgateError('SCAN_TIMEOUT', 'registry request aborted', { cause: reason });
  }

  private backoff(attempt: number): number {
    const exponential = this.retry.baseDelayMs * 2 ** (attempt - 1);
    const jittered = exponential * (0.5 + Math.random() / 2);
    return Math.min(this.retry.maxDelayMs, Math.round(jittered));
  }

  private async sendFollowingRedirects(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    this.guard.check(url, req.purpose ?? 'registry request');
    const follow = req.method === 'GET' || req.method === 'HEAD';
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { ...req.headers };
      const authorization = req.authorizationFor?.(url);
      if (authorization !== undefined) headers.authorization = authorization;
      const requestBody = typeof req.body === 'function' ? await req.body() : req.body;
      let answer;
      try {
        answer = await request(url, {
          method: req.method,
          headers,
          body: requestBody,
          dispatcher: this.dispatcher,
          headersTimeout: this.timeouts.headersMs,
          bodyTimeout: this.timeouts.bodyIdleMs,
          ...(this.signal === undefined ? {} : { signal: this.signal }),
        });
      } finally {
        // A stream the server answered before reading (401, an error) still holds its source open.
        if (requestBody instanceof Readable && !requestBody.readableEnded) requestBody.destroy();
      }
      const { statusCode, headers: responseHeaders, body } = answer;
      const response: HttpResponse = { status: statusCode, headers: responseHeaders, body, url };
      if (!follow || !REDIRECT_STATUSES.has(statusCode)) return response;
      const location = headerValue(responseHeaders, 'location');
      await discardBody(body);
      if (location === undefined || location === '') {
        throw new PushgateError(
          'REGISTRY_ERROR',
          `${req.method} ${url.host}${url.pathname}: HTTP ${statusCode} redirect without a Location`,
        );
      }
      if (hop + 1 > MAX_REDIRECTS) {
        throw new PushgateError(
          'REGISTRY_ERROR',
          `${req.method} ${req.url.host}${req.url.pathname}: more than ${MAX_REDIRECTS} redirects`,
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new PushgateError(
          'REGISTRY_ERROR',
          `${req.method} ${url.host}${url.pathname}: redirect to an invalid URL "${printable(location)}"`,
        );
      }
      this.guard.check(next, 'redirect');
      url = next;
    }
  }

  async close(): Promise<void> {
    await this.ownAgent?.close();
  }
}
