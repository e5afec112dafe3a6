import type { ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode } from '../errors.js';
import { sendJson } from '../send-json.js';

/**
 * Answers `{ error: { code, message } }` with the code's HTTP status (`ERRORS` in src/errors.ts);
 * `extra` adds the fields a code documents (AMBIGUOUS_DIGEST's `images`). A plain Node response is
 * enough: the webhook fast path answers its errors outside Express.
 */
export function sendError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  sendJson(res, ERRORS[code].http, { error: { ...extra, code, message } });
}
