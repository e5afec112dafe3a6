import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** `/hooks/<endpoint>/<secret>`: the secret path segment must never reach a log line. */
export function loggablePath(path: string): string {
  const hook = /^\/hooks\/([^/]+)\/.+/.exec(path);
  const shown = hook ? `/hooks/${hook[1]}/<redacted>` : path;
  return shown.slice(0, 200);
}

/** What a route may set in `res.locals` to change its request line (a lower level, more fields). */
export interface RequestLogLocals {
  requestLog?: { level: 'debug'; fields: Record<string, unknown> };
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane, else a new one), a
 * logger carrying it (`req.log`, built on first use: most requests never log), and one log line
 * when the response is sent. Headers are not logged: they carry webhook credentials.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      get: () => (child ??= logger.child({ reqId: id })),
      configurable: true,
    });
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const status = res.statusCode;
      // Refused credentials and 503s (Redis away: the cause is logged once elsewhere) are worth a
      // look; other 4xx (an API 404 while polling) are routine; other 5xx are bugs.
      const routine = status < 400 ? (res.locals as RequestLogLocals).requestLog : undefined;
      const level =
        routine !== undefined
          ? routine.level
          : status >= 500 && status !== 503
            ? 'error'
            : status === 401 || status === 403 || status === 503
              ? 'warn'
              : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger[level](
        {
          ...routine?.fields,
          reqId: id,
          method: req.method,
          // The path as the client sent it: inside a mounted router `req.path` lacks the mount
          // point (`/images` for `/api/v1/images`). The query is left out: it may name images.
          path: loggablePath(req.originalUrl.split('?', 1)[0]),
          status,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      );
    });
    next();
  };
}
