import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** `/hooks/<endpoint>/<secret>`: the secret path segment must never reach a log line. */
export function loggablePath(path: string): string {
  const hook = /^\/hooks\/([^/]+)\/.+/i.exec(path);
  const shown = hook ? `/hooks/${hook[1]}/<redacted>` : path;
  return shown.slice(0, 200);
}

/** What a route may ask of its request line: a lower level, more fields. */
export interface RoutineRequestLine {
  level: 'debug';
  fields: Record<string, unknown>;
}

/** What one request's line needs, kept on the request under a symbol. */
interface RequestLogState {
  logger: Logger;
  id: string;
  /** Taken on arrival, before any router rewrites `req.url` (this runs ahead of Express too). */
  url: string;
  started: bigint;
  child?: Logger;
  routine?: RoutineRequestLine;
}

const STATE = Symbol('pushgate.requestLog');
type LoggedRequest = IncomingMessage & { [STATE]?: RequestLogState };

/** Makes the request line of a successful answer `line` (a route that knows it is routine). */
export function setRoutineRequestLine(res: ServerResponse, line: RoutineRequestLine): void {
  const state = (res.req as LoggedRequest)[STATE];
  if (state !== undefined) state.routine = line;
}

/**
 * `req.log`: one getter and one listener shared by every request, with the request's own data in
 * `STATE`. A getter and a listener closure per request cost ~12 µs together (objects whose
 * accessors differ cannot share a shape in V8), a tenth of what intake spends on a webhook.
 */
const LOG_PROPERTY: PropertyDescriptor = {
  configurable: true,
  get(this: LoggedRequest): Logger | undefined {
    const state = this[STATE];
    return state && (state.child ??= state.logger.child({ reqId: state.id }));
  },
};

function logLine(this: ServerResponse): void {
  const req = this.req as LoggedRequest;
  const state = req[STATE];
  if (state === undefined) return;
  const { logger } = state;
  const status = this.statusCode;
  // Refused credentials and 503s (Redis away: the cause is logged once elsewhere) are worth a
  // look; other 4xx (an API 404 while polling) are routine; other 5xx are bugs.
  const routine = status < 400 ? state.routine : undefined;
  const level =
    routine !== undefined
      ? routine.level
      : status >= 500 && status !== 503
        ? 'error'
        : status === 401 || status === 403 || status === 503
          ? 'warn'
          : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const ms = Number(process.hrtime.bigint() - state.started) / 1e6;
  logger[level](
    {
      ...routine?.fields,
      reqId: state.id,
      method: req.method,
      // The path as the client sent it: inside a mounted router `req.path` lacks the mount
      // point (`/images` for `/api/v1/images`). The query is left out: it may name images.
      path: loggablePath(state.url.split('?', 1)[0]),
      status,
      ms: Math.round(ms * 10) / 10,
    },
    'request',
  );
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane, else a new one), a
 * logger carrying it (`req.log`, built on first use: most requests never log), and one log line
 * when the response is sent. Headers are not logged: they carry webhook credentials.
 */
export function requestLog(
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as LoggedRequest)[STATE] = {
      logger,
      id,
      url: req.url ?? '',
      started: process.hrtime.bigint(),
    };
    Object.defineProperty(req, 'log', LOG_PROPERTY);
    res.setHeader('X-Request-Id', id);
    res.on('finish', logLine);
    next();
  };
}
