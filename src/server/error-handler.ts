import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isPushgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { WebhookError } from '../webhooks/webhook-error.js';
import { errorBody, HttpError } from './http-error.js';
import { loggablePath } from './request-log.js';

/** body-parser's error types, mapped to our codes (the raw reader is the only parser on hooks). */
const BODY_ERRORS: Record<string, { status: number; code: string }> = {
  'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  'encoding.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  'charset.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  'request.aborted': { status: 400, code: 'MALFORMED' },
  'request.size.invalid': { status: 400, code: 'MALFORMED' },
  'entity.parse.failed': { status: 400, code: 'MALFORMED' },
};

/** Core errors a request can cause or meet, and how they are answered. */
const PUSHGATE_STATUS: Partial<Record<string, number>> = {
  REFERENCE_INVALID: 400,
  USAGE: 400,
  CURSOR_INVALID: 400,
  STORE_UNAVAILABLE: 503,
};

export function notFound(): RequestHandler {
  return (req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', `no route for ${req.method} ${loggablePath(req.path)}`));
  };
}

/**
 * Every error leaves as JSON `{ error: { code, message } }`. Known errors keep their message; an
 * unexpected one is logged and answered with a generic 500, so internals never reach a client.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const log = (req as { log?: Logger }).log ?? logger;
    if (error instanceof WebhookError || error instanceof HttpError) {
      res.status(error.status).json(errorBody(error.code, error.message));
      return;
    }
    const type = (error as { type?: unknown }).type;
    if (typeof type === 'string' && BODY_ERRORS[type]) {
      const { status, code } = BODY_ERRORS[type];
      const message =
        status === 413
          ? `body exceeds the ${(error as { limit?: number }).limit ?? '?'}-byte limit`
          : (error as Error).message;
      res.status(status).json(errorBody(code, message));
      return;
    }
    // Other client errors raised by Express or the router (a path segment that is not valid
    // percent-encoding…): a 400 that does not echo the input, which may be a mistyped secret.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res
        .status(400)
        .json(errorBody('MALFORMED', 'the request could not be read (bad URL encoding or body)'));
      return;
    }
    if (isPushgateError(error)) {
      const status = PUSHGATE_STATUS[error.code];
      if (status !== undefined) {
        res.status(status).json(errorBody(error.code, error.message));
        return;
      }
    }
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'request failed');
    res.status(500).json(errorBody('INTERNAL', 'internal error; see the server log'));
  };
}
