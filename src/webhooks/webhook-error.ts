/**
 * What intake answers a webhook sender with. Each code maps to exactly one HTTP status so the
 * route never has to decide; messages are safe to send back (no secret, payload text quoted and
 * truncated by `quote`).
 */
export const WEBHOOK_ERROR_STATUS = {
  UNAUTHORIZED: 401,
  MALFORMED: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REGISTRY_NOT_CONFIGURED: 422,
} as const;

export type WebhookErrorCode = keyof typeof WEBHOOK_ERROR_STATUS;

export interface WebhookErrorBody {
  error: { code: WebhookErrorCode; message: string };
}

const MAX_MESSAGE = 1000;

export class WebhookError extends Error {
  readonly code: WebhookErrorCode;
  readonly status: number;

  constructor(code: WebhookErrorCode, message: string) {
    // Callers quote payload text already; the cap only guards against a caller that forgot.
    super(message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message);
    this.name = 'WebhookError';
    this.code = code;
    this.status = WEBHOOK_ERROR_STATUS[code];
  }

  toBody(): WebhookErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isWebhookError(err: unknown): err is WebhookError {
  return err instanceof Error && err.name === 'WebhookError' && 'code' in err && 'status' in err;
}
