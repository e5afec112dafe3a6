import type { Response } from 'express';
import { ERRORS, type ErrorCode } from '../errors.js';

/** Answers `{ error: { code, message } }` with the code's HTTP status (`ERRORS` in src/errors.ts). */
export function sendError(res: Response, code: ErrorCode, message: string): void {
  res.status(ERRORS[code].http).json({ error: { code, message } });
}
