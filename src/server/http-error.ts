import type { Response } from 'express';
import { ERRORS, type ErrorCode } from '../errors.js';

/**
 * Answers `{ error: { code, message } }` with the code's HTTP status (`ERRORS` in src/errors.ts);
 * `extra` adds the fields a code documents (AMBIGUOUS_DIGEST's `images`).
 */
export function sendError(
  res: Response,
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  res.status(ERRORS[code].http).json({ error: { ...extra, code, message } });
}
