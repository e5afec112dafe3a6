import { ERRORS, PushgateError } from '../errors.js';

/**
 * What intake answers a webhook sender with: these codes of `ERRORS` (src/errors.ts), each with
 * exactly one HTTP status there, so the route never has to decide. Messages are safe to send back
 * (no secret, payload text quoted and truncated by `quote`).
 */
const WEBHOOK_ERROR_CODES = [
  'UNAUTHORIZED',
  'MALFORMED',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'REGISTRY_NOT_CONFIGURED',
] as const;

export type WebhookErrorCode = (typeof WEBHOOK_ERROR_CODES)[number];

/** The status of each webhook error code (a view of `ERRORS`). */
export const WEBHOOK_ERROR_STATUS = Object.fromEntries(
  WEBHOOK_ERROR_CODES.map((code) => [code, ERRORS[code].http]),
) as { readonly [C in WebhookErrorCode]: (typeof ERRORS)[C]['http'] };

export interface WebhookErrorBody {
  error: { code: WebhookErrorCode; message: string };
}

const MAX_MESSAGE = 1000;

/** A PushgateError restricted to intake's codes, with a capped message and its answer. */
export class WebhookError extends PushgateError {
  declare readonly code: WebhookErrorCode;
  readonly status: number;

  constructor(code: WebhookErrorCode, message: string) {
    // Callers quote payload text already; the cap only guards against a caller that forgot.
    super(code, message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message);
    this.name = 'WebhookError';
    this.status = ERRORS[code].http;
  }

  toBody(): WebhookErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isWebhookError(err: unknown): err is WebhookError {
  return err instanceof Error && err.name === 'WebhookError' && 'code' in err && 'status' in err;
}
