import { isPushgateError, PushgateError } from '../errors.js';

/**
 * A failed Redis command as a typed error: transient (the job is retried, the API answers 503),
 * with what was being done. ioredis messages name the host and port at most, never the password.
 */
export function storeError(context: string, err: unknown): PushgateError {
  if (isPushgateError(err)) {
    return new PushgateError(err.code, `${context}: ${err.message}`, {
      cause: err,
      transient: err.transient,
      details: err.details,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PushgateError('STORE_UNAVAILABLE', `${context}: ${message}`, { cause: err, transient: true });
}
