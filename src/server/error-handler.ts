import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { ERRORS, isPushgateError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendError } from './http-error.js';
import { loggablePath } from './request-log.js';

/** body-parser's error types, mapped to our codes (the raw reader is the only parser on hooks). */
const BODY_ERRORS: Partial<Record<string, ErrorCode>> = {
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'request.aborted': 'MALFORMED',
  'request.size.invalid': 'MALFORMED',
  'entity.parse.failed': 'MALFORMED',
};

export function notFound(): RequestHandler {
  return (req, res) => {
    sendError(res, 'NOT_FOUND', `no route for ${req.method} ${loggablePath(req.path)}`);
  };
}

/** An Express error handler that also serves plain Node requests (the webhook fast path). */
export type ErrorHandler = (
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: (error: unknown) => void,
) => void;

/**
 * Every error leaves as JSON `{ error: { code, message } }`. A PushgateError is answered with its
 * code's status (`ERRORS` in src/errors.ts) and message; one whose status is 500, and any other
 * unexpected error, is logged and answered with a generic 500, so internals never reach a client.
 */
export function errorHandler(logger: Logger): ErrorHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const log = (req as { log?: Logger }).log ?? logger;
    if (isPushgateError(error) && ERRORS[error.code].http !== 500) {
      sendError(res, error.code, error.message);
      return;
    }
    const type = (error as { type?: unknown }).type;
    const bodyError = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
    if (bodyError !== undefined) {
      const message =
        bodyError === 'PAYLOAD_TOO_LARGE'
          ? `body exceeds the ${(error as { limit?: number }).limit ?? '?'}-byte limit`
          : (error as Error).message;
      sendError(res, bodyError, message);
      return;
    }
    // Other client errors raised by Express or the router (a path segment that is not valid
    // percent-encoding…): a 400 that does not echo the input, which may be a mistyped secret.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendError(res, 'MALFORMED', 'the request could not be read (bad URL encoding or body)');
      return;
    }
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'request failed');
    sendError(res, 'INTERNAL', 'internal error; see the server log');
  };
}
