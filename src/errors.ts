/**
 * Typed errors. Every failure pushgate reports carries a stable `code`, a message that names what
 * was being done ("pull manifest team/app@sha256:…: …"), and whether retrying can help.
 * Match on `code`, not `instanceof`: errors cross process boundaries in the workers.
 *
 * What a code means lives in one table, `ERRORS`, typed by the code: a new or renamed code that
 * is not classified there (or a classification left for a code that is gone) does not compile.
 * Everything else — retries, fail-closed, HTTP answers, exit codes — is derived from it.
 */

/**
 * The exit codes a failure ends `pushgate` with (`src/cli/exit-codes.ts` adds the ones for
 * success and a failing policy). Documented in the README; scripts depend on them.
 */
export const FailureExit = {
  /** The caller's input: arguments, configuration, a reference. */
  USAGE: 2,
  /** The image, or what pushgate needed to read it (registry, engine, Redis). */
  IMAGE_UNREADABLE: 3,
  /** A pushgate bug. */
  INTERNAL: 70,
} as const;

/**
 * Whose fault a failure to judge an image is. `image`: the image (or pushgate reading it, INTERNAL
 * included) — nothing outside the image would change the outcome, so under `policies.onError:
 * fail-closed` the image is rejected as UNJUDGED. `infrastructure`: Redis, a registry, a Docker
 * engine, credentials, pushgate's own configuration or an HTTP client's request — the image may be
 * fine, so the failure is recorded as `error` and retried.
 */
export type Fault = 'image' | 'infrastructure';

export interface ErrorKind {
  /** What the code means, in a few words. */
  readonly message: string;
  /**
   * Whether a later attempt may succeed. False ("permanent"): an inspect job fails at once, with
   * its failure recorded, instead of spending its retries. A `transient` error is retried whatever
   * its code says.
   */
  readonly retryable: boolean;
  /** See `Fault`. */
  readonly fault: Fault;
  /**
   * The HTTP status the server answers with. 500 means "not the client's doing": the error is
   * logged and the client gets a generic INTERNAL answer, so internals never reach it.
   */
  readonly http: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 500 | 503;
  /** The exit code of a CLI run that ends with this error. */
  readonly exit: (typeof FailureExit)[keyof typeof FailureExit];
}

const { USAGE, IMAGE_UNREADABLE, INTERNAL } = FailureExit;

// prettier-ignore
export const ERRORS = {
  USAGE:                      { retryable: true,  fault: 'infrastructure', http: 400, exit: USAGE,            message: 'bad command-line usage' },
  CONFIG_INVALID:             { retryable: false, fault: 'infrastructure', http: 500, exit: USAGE,            message: 'configuration is invalid' },
  REFERENCE_INVALID:          { retryable: false, fault: 'infrastructure', http: 400, exit: USAGE,            message: 'image reference cannot be parsed' },
  REGISTRY_UNREACHABLE:       { retryable: true,  fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'registry could not be reached' },
  REGISTRY_AUTH:              { retryable: false, fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'registry refused the credentials' },
  REGISTRY_DENIED:            { retryable: false, fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'registry denied access' },
  REGISTRY_NOT_FOUND:         { retryable: false, fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'registry has no such repository, manifest or blob' },
  REGISTRY_TOO_MANY_REQUESTS: { retryable: true,  fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'registry rate limit hit' },
  REGISTRY_ERROR:             { retryable: true,  fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'registry answered with an unexpected error' },
  SSRF_BLOCKED:               { retryable: false, fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'host is not one pushgate was configured to talk to' },
  MANIFEST_UNSUPPORTED:       { retryable: false, fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'manifest media type is not supported' },
  MANIFEST_INVALID:           { retryable: false, fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'manifest or config is malformed' },
  DIGEST_MISMATCH:            { retryable: true,  fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'content does not match its digest' },
  SIZE_MISMATCH:              { retryable: true,  fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'content does not match its declared size' },
  BODY_TOO_LARGE:             { retryable: false, fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'response body exceeds its cap' },
  PLATFORM_NOT_FOUND:         { retryable: false, fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'no image matches the requested platform' },
  LAYER_CORRUPT:              { retryable: false, fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'layer cannot be decompressed or parsed' },
  LAYER_LIMIT:                { retryable: false, fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'layer exceeds a configured limit' },
  LAYER_UNSUPPORTED:          { retryable: false, fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'layer media type is not a filesystem layer pushgate can read' },
  ARCHIVE_INVALID:            { retryable: true,  fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'image archive or layout is malformed' },
  DOCKER_ENGINE:              { retryable: true,  fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'Docker engine request failed' },
  STORE_UNAVAILABLE:          { retryable: true,  fault: 'infrastructure', http: 503, exit: IMAGE_UNREADABLE, message: 'Redis could not be reached or refused a store command' },
  CURSOR_INVALID:             { retryable: true,  fault: 'infrastructure', http: 400, exit: IMAGE_UNREADABLE, message: 'pagination cursor is malformed' },
  SCAN_TIMEOUT:               { retryable: false, fault: 'image',          http: 500, exit: IMAGE_UNREADABLE, message: 'inspection took longer than the configured limit' },
  INTERRUPTED:                { retryable: true,  fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'the scan was stopped by SIGINT or SIGTERM' },
  NOTIFY_FAILED:              { retryable: true,  fault: 'infrastructure', http: 500, exit: IMAGE_UNREADABLE, message: 'a notification endpoint did not accept the delivery' },
  INTERNAL:                   { retryable: true,  fault: 'image',          http: 500, exit: INTERNAL,         message: 'internal error' },
  // Answers of the HTTP server only (webhook intake, the API): never an inspection's outcome.
  BAD_REQUEST:                { retryable: false, fault: 'infrastructure', http: 400, exit: USAGE,            message: 'the API request is malformed' },
  MALFORMED:                  { retryable: false, fault: 'infrastructure', http: 400, exit: USAGE,            message: 'the request body or URL cannot be read' },
  UNAUTHORIZED:               { retryable: false, fault: 'infrastructure', http: 401, exit: USAGE,            message: 'the request is not authenticated' },
  NOT_FOUND:                  { retryable: false, fault: 'infrastructure', http: 404, exit: USAGE,            message: 'no such route, webhook endpoint, verdict or job' },
  AMBIGUOUS_DIGEST:           { retryable: false, fault: 'infrastructure', http: 409, exit: USAGE,            message: 'the digest has verdicts in several repositories: the request must name one' },
  PAYLOAD_TOO_LARGE:          { retryable: false, fault: 'infrastructure', http: 413, exit: USAGE,            message: 'the request body exceeds its limit' },
  UNSUPPORTED_MEDIA_TYPE:     { retryable: false, fault: 'infrastructure', http: 415, exit: USAGE,            message: 'the request body has a content type or encoding pushgate does not read' },
  REGISTRY_NOT_CONFIGURED:    { retryable: false, fault: 'infrastructure', http: 422, exit: USAGE,            message: 'the request names a registry that is not configured' },
  UNAVAILABLE:                { retryable: true,  fault: 'infrastructure', http: 503, exit: IMAGE_UNREADABLE, message: 'the queue (Redis) is unreachable' },
  API_DISABLED:               { retryable: false, fault: 'infrastructure', http: 503, exit: USAGE,            message: 'the API has no token configured' },
  FORBIDDEN:                  { retryable: false, fault: 'infrastructure', http: 403, exit: USAGE,            message: 'the API token\'s role does not allow this request' },
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * True when a failure means the image cannot be judged whatever is retried: an image fault that is
 * not transient. The code that reads an image turns an unexpected exception into INTERNAL (a bug a
 * hostile image found: a gate that a crash opens is no gate) and a dropped connection into
 * REGISTRY_UNREACHABLE (`readingFault`); an exception that reaches here raw came from elsewhere
 * (Redis, the queue) and is not the image's fault.
 */
export function isUnjudgeable(err: unknown): boolean {
  if (!isPushgateError(err)) return false;
  return !err.transient && ERRORS[err.code].fault === 'image';
}

/**
 * True when retrying cannot help: a PushgateError that is not retryable (its code's `retryable`,
 * unless it is transient or was marked final). Foreign exceptions are retried.
 */
export function isPermanent(err: unknown): boolean {
  return isPushgateError(err) && !err.retryable;
}

/**
 * Socket-level failure codes of Node and undici: a peer that went away, never answered or went
 * quiet. Seen on a body mid-stream, they are the network's fault, never the image's.
 */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when `err` or anything in its cause chain is a socket-level failure. */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

/**
 * What a failure while reading an image means: a PushgateError keeps its code; a dropped or
 * silent connection is REGISTRY_UNREACHABLE (transient: retried, never a verdict on the image);
 * anything else is INTERNAL — pushgate failed on this image, which fail-closed rejects.
 */
export function readingFault(context: string, err: unknown): PushgateError {
  if (isPushgateError(err)) return err;
  if (isNetworkError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new PushgateError('REGISTRY_UNREACHABLE', `${context}: connection failed: ${message}`, {
      cause: err,
      transient: true,
    });
  }
  return withContext(context, err);
}

export interface PushgateErrorOptions {
  cause?: unknown;
  /** True when retrying the same operation later may succeed (5xx, 429, connection reset). */
  transient?: boolean;
  /**
   * Overrides what the code and `transient` say about retrying: `false` marks a failure final
   * (an inspect job's last attempt, its failure recorded).
   */
  retryable?: boolean;
  /** Machine-readable context, never secret values. */
  details?: Record<string, unknown>;
}

export class PushgateError extends Error {
  readonly code: ErrorCode;
  readonly transient: boolean;
  /** Whether a later attempt may succeed: `transient` or the code's `retryable`, unless overridden. */
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: PushgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PushgateError';
    this.code = code;
    this.transient = options.transient ?? false;
    this.retryable = options.retryable ?? (this.transient || ERRORS[code].retryable);
    this.details = options.details;
  }
}

export function isPushgateError(err: unknown): err is PushgateError {
  return (
    err instanceof PushgateError || (err instanceof Error && err.name === 'PushgateError' && 'code' in err)
  );
}

/** Prefix an error with what was being done, keeping its code (INTERNAL for foreign errors). */
export function withContext(context: string, err: unknown): PushgateError {
  if (isPushgateError(err)) {
    const wrapped = new PushgateError(err.code, `${context}: ${err.message}`, {
      cause: err,
      transient: err.transient,
      retryable: err.retryable,
      details: err.details,
    });
    return wrapped;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PushgateError('INTERNAL', `${context}: ${message}`, { cause: err });
}
