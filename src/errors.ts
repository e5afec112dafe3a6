/**
 * Typed errors. Every failure pushgate reports carries a stable `code`, a message that names what
 * was being done ("pull manifest team/app@sha256:…: …"), and whether retrying can help.
 * Match on `code`, not `instanceof`: errors cross process boundaries in the workers.
 */
export const ERROR_CODES = {
  USAGE: 'bad command-line usage',
  CONFIG_INVALID: 'configuration is invalid',
  REFERENCE_INVALID: 'image reference cannot be parsed',
  REGISTRY_UNREACHABLE: 'registry could not be reached',
  REGISTRY_AUTH: 'registry refused the credentials',
  REGISTRY_DENIED: 'registry denied access',
  REGISTRY_NOT_FOUND: 'registry has no such repository, manifest or blob',
  REGISTRY_TOO_MANY_REQUESTS: 'registry rate limit hit',
  REGISTRY_ERROR: 'registry answered with an unexpected error',
  SSRF_BLOCKED: 'host is not one pushgate was configured to talk to',
  MANIFEST_UNSUPPORTED: 'manifest media type is not supported',
  MANIFEST_INVALID: 'manifest or config is malformed',
  DIGEST_MISMATCH: 'content does not match its digest',
  SIZE_MISMATCH: 'content does not match its declared size',
  BODY_TOO_LARGE: 'response body exceeds its cap',
  PLATFORM_NOT_FOUND: 'no image matches the requested platform',
  LAYER_CORRUPT: 'layer cannot be decompressed or parsed',
  LAYER_LIMIT: 'layer exceeds a configured limit',
  LAYER_UNSUPPORTED: 'layer media type is not a filesystem layer pushgate can read',
  ARCHIVE_INVALID: 'image archive or layout is malformed',
  DOCKER_ENGINE: 'Docker engine request failed',
  STORE_UNAVAILABLE: 'Redis could not be reached or refused a store command',
  CURSOR_INVALID: 'pagination cursor is malformed',
  SCAN_TIMEOUT: 'inspection took longer than the configured limit',
  INTERRUPTED: 'the scan was stopped by SIGINT or SIGTERM',
  NOTIFY_FAILED: 'a notification endpoint did not accept the delivery',
  INTERNAL: 'internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Whose fault a failure to judge an image is. `image`: the image (or pushgate reading it, INTERNAL
 * included) — nothing outside the image would change the outcome, so under `policies.onError:
 * fail-closed` the image is rejected as UNJUDGED. `infrastructure`: Redis, a registry, a Docker
 * engine, credentials or pushgate's own configuration — the image may be fine, so the failure is
 * recorded as `error` and retried. Typed by the code, so a new code must be classified here.
 */
export const FAULT_OF = {
  USAGE: 'infrastructure',
  CONFIG_INVALID: 'infrastructure',
  REFERENCE_INVALID: 'infrastructure',
  REGISTRY_UNREACHABLE: 'infrastructure',
  REGISTRY_AUTH: 'infrastructure',
  REGISTRY_DENIED: 'infrastructure',
  REGISTRY_NOT_FOUND: 'infrastructure',
  REGISTRY_TOO_MANY_REQUESTS: 'infrastructure',
  REGISTRY_ERROR: 'infrastructure',
  SSRF_BLOCKED: 'infrastructure',
  MANIFEST_UNSUPPORTED: 'image',
  MANIFEST_INVALID: 'image',
  DIGEST_MISMATCH: 'image',
  SIZE_MISMATCH: 'image',
  BODY_TOO_LARGE: 'image',
  PLATFORM_NOT_FOUND: 'image',
  LAYER_CORRUPT: 'image',
  LAYER_LIMIT: 'image',
  LAYER_UNSUPPORTED: 'image',
  ARCHIVE_INVALID: 'image',
  DOCKER_ENGINE: 'infrastructure',
  STORE_UNAVAILABLE: 'infrastructure',
  CURSOR_INVALID: 'infrastructure',
  SCAN_TIMEOUT: 'image',
  NOTIFY_FAILED: 'infrastructure',
  INTERRUPTED: 'infrastructure',
  INTERNAL: 'image',
} as const satisfies Record<ErrorCode, 'image' | 'infrastructure'>;

/**
 * True when a failure means the image cannot be judged whatever is retried: an image fault that is
 * not transient. The code that reads an image turns an unexpected exception into INTERNAL (a bug a
 * hostile image found: a gate that a crash opens is no gate) and a dropped connection into
 * REGISTRY_UNREACHABLE (`readingFault`); an exception that reaches here raw came from elsewhere
 * (Redis, the queue) and is not the image's fault.
 */
export function isUnjudgeable(err: unknown): boolean {
  if (!isPushgateError(err)) return false;
  return !err.transient && FAULT_OF[err.code] === 'image';
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
  /** Machine-readable context, never secret values. */
  details?: Record<string, unknown>;
}

export class PushgateError extends Error {
  readonly code: ErrorCode;
  readonly transient: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: PushgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PushgateError';
    this.code = code;
    this.transient = options.transient ?? false;
    this.details = options.details;
  }
}

export function isPushgateError(err: unknown): err is PushgateError {
  return err instanceof Error && (err as { name?: string }).name === 'PushgateError' && 'code' in err;
}

/** Prefix an error with what was being done, keeping its code (INTERNAL for foreign errors). */
export function withContext(context: string, err: unknown): PushgateError {
  if (isPushgateError(err)) {
    const wrapped = new PushgateError(err.code, `${context}: ${err.message}`, {
      cause: err,
      transient: err.transient,
      details: err.details,
    });
    return wrapped;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PushgateError('INTERNAL', `${context}: ${message}`, { cause: err });
}
