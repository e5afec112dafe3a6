import { describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS, PushgateError, type ErrorCode } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { errorHandler } from '../../../src/server/error-handler.js';
import { WebhookError } from '../../../src/webhooks/webhook-error.js';

function answer(error: unknown): { status: number; body: { error: { code: string; message: string } } } {
  const logged: string[] = [];
  const logger = createLogger(
    { level: 'error' } as never,
    {},
    { write: (line: string) => logged.push(line) },
  );
  const out = { status: 0, body: undefined as unknown };
  // What the handler touches of a Node response (it answers plain Node requests too).
  const res = {
    headersSent: false,
    statusCode: 200,
    headers: new Map<string, unknown>(),
    setHeader(name: string, value: unknown) {
      res.headers.set(name.toLowerCase(), value);
    },
    end(text: string) {
      out.status = res.statusCode;
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('content-length')).toBe(Buffer.byteLength(text));
      out.body = JSON.parse(text);
    },
  };
  errorHandler(logger)(error, { url: '/x' } as IncomingMessage, res as unknown as ServerResponse, () => {
    throw new Error('next() called');
  });
  return out as { status: number; body: { error: { code: string; message: string } } };
}

describe('errorHandler answers with the status ERRORS gives the code', () => {
  it('every code: its status and message, or a generic 500 that hides internals', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const { status, body } = answer(new PushgateError(code, `secret detail of ${code}`));
      expect(status, code).toBe(ERRORS[code].http);
      if (ERRORS[code].http === 500) {
        expect(body, code).toEqual({
          error: { code: 'INTERNAL', message: 'internal error; see the server log' },
        });
      } else {
        expect(body, code).toEqual({ error: { code, message: `secret detail of ${code}` } });
      }
    }
  });

  it('webhook errors, body-parser errors and foreign errors', () => {
    expect(answer(new WebhookError('UNSUPPORTED_MEDIA_TYPE', 'no'))).toEqual({
      status: 415,
      body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'no' } },
    });
    expect(answer(Object.assign(new Error('too big'), { type: 'entity.too.large', limit: 10 }))).toEqual({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'body exceeds the 10-byte limit' } },
    });
    expect(answer(Object.assign(new Error('bad json'), { type: 'entity.parse.failed' })).status).toBe(400);
    expect(answer(Object.assign(new Error('URIError'), { status: 400 })).body.error.code).toBe('MALFORMED');
    expect(answer(new TypeError('boom'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error; see the server log' } },
    });
  });
});
