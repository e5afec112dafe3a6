import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane, else a new one), a child
 * logger carrying it, and one log line when the response is sent. Headers are not logged: they
 * carry webhook credentials.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const log = logger.child({ reqId: id });
    (req as { log?: Logger }).log = log;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = {
        method: req.method,
        path: req.path.slice(0, 200),
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      };
      if (res.statusCode >= 500) log.error(fields, 'request');
      // Refused credentials are worth a look; other 4xx (an API 404 while polling) are routine.
      else if (res.statusCode === 401 || res.statusCode === 403) log.warn(fields, 'request');
      else log.info(fields, 'request');
    });
    next();
  };
}
