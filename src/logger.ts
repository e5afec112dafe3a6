import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { escapeJson } from './escape-text.js';
import { prettyLogLine } from './pretty-log-line.js';

export type { Logger };

/** The `log` section of the configuration; it lives here because the logger sits below src/config. */
export interface LogConfig {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `json` lines; `pretty` for a person at a terminal; `auto` (the default): pretty when stdout is one. */
  format?: 'auto' | 'json' | 'pretty';
}

/**
 * JSON logs on stdout (`format: pretty`, or `auto` on a terminal: one readable line per entry,
 * `prettyLogLine`). Credentials in config objects and request headers are redacted by path as a
 * second line of defence; secrets found in images are redacted where they are found and never
 * reach a logger. Fields quote requests, registries and images: every line is rewritten with C1 and
 * bidi controls as `\uXXXX` (pino's JSON already escapes C0), so a log viewer or `tail` on a terminal
 * shows them inert and the line stays the same JSON.
 */
export function createLogger(
  config: LogConfig,
  bindings: Record<string, unknown> = {},
  /** stdout when absent; tests pass a stream to read the lines. */
  destination?: DestinationStream,
): Logger {
  const format = config.format ?? 'auto';
  // A stream a test passed is never a terminal: `auto` means JSON there.
  const pretty =
    format === 'pretty' || (format === 'auto' && destination === undefined && process.stdout.isTTY === true);
  const options: LoggerOptions<never> = {
    level: config.level,
    base: { pid: process.pid, ...bindings },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-hub-signature-256"]',
        'req.headers["x-jfrog-event-auth"]',
        '*.password',
        '*.token',
        '*.secret',
      ],
      censor: '<redacted>',
    },
    hooks: { streamWrite: pretty ? prettyLogLine : escapeJson },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** What a caught error contributes to a log line: code and message, never the cause chain's payloads. */
export function errorFields(error: unknown): { code?: string; err: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { ...(typeof code === 'string' ? { code } : {}), err: error.message };
  }
  return { err: String(error) };
}

/**
 * `createRedis`'s `onError` for service processes: ioredis reports every failed reconnect, and
 * each becomes one warning naming the connection (never its URL, which may hold a password).
 */
export function logRedisErrors(logger: Logger): (error: Error, context: { name: string }) => void {
  return (error, context) =>
    logger.warn({ redis: context.name, err: error.message }, 'redis connection error');
}
