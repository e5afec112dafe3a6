import { describe, expect, it } from 'vitest';
import {
  WEBHOOK_ERROR_STATUS,
  WebhookError,
  isWebhookError,
  type WebhookErrorCode,
} from '../../../src/webhooks/webhook-error.js';

describe('WebhookError', () => {
  it('maps every code to its HTTP status and a { error: { code, message } } body', () => {
    const expected: Record<WebhookErrorCode, number> = {
      UNAUTHORIZED: 401,
      MALFORMED: 400,
      NOT_FOUND: 404,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      REGISTRY_NOT_CONFIGURED: 422,
    };
    expect(WEBHOOK_ERROR_STATUS).toEqual(expected);
    for (const [code, status] of Object.entries(expected) as Array<[WebhookErrorCode, number]>) {
      const err = new WebhookError(code, `because ${code}`);
      expect(err.status).toBe(status);
      expect(err.code).toBe(code);
      expect(err.toBody()).toEqual({ error: { code, message: `because ${code}` } });
      expect(isWebhookError(err)).toBe(true);
      expect(err).toBeInstanceOf(Error);
    }
  });

  it('caps a long message', () => {
    const err = new WebhookError('MALFORMED', 'x'.repeat(50_000));
    expect(err.message.length).toBeLessThanOrEqual(1001);
    expect(JSON.stringify(err.toBody()).length).toBeLessThan(1100);
  });

  it('tells its own errors from others', () => {
    expect(isWebhookError(new Error('x'))).toBe(false);
    expect(isWebhookError({ name: 'WebhookError', code: 'MALFORMED', status: 400 })).toBe(false);
    expect(isWebhookError(undefined)).toBe(false);
  });
});
