import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import {
  ERRORS,
  FailureExit,
  isNetworkError,
  isPermanent,
  isPushgateError,
  isUnjudgeable,
  PushgateError,
  readingFault,
  withContext,
  type ErrorCode,
} from '../../src/errors.js';
import {
  WEBHOOK_ERROR_STATUS,
  WebhookError,
  type WebhookErrorCode,
} from '../../src/webhooks/webhook-error.js';

describe('isUnjudgeable: what fail-closed rejects as UNJUDGED', () => {
  it('image faults and pushgate bugs are unjudgeable', () => {
    for (const code of [
      'MANIFEST_INVALID',
      'LAYER_CORRUPT',
      'LAYER_LIMIT',
      'DIGEST_MISMATCH',
      'INTERNAL',
    ] as const) {
      expect(isUnjudgeable(new PushgateError(code, 'x')), code).toBe(true);
    }
    // Reading an image turns a bug into INTERNAL: unjudgeable.
    expect(isUnjudgeable(readingFault('reading', new TypeError("reading 'split'")))).toBe(true);
    expect(isUnjudgeable(withContext('inspect x', new TypeError('boom')))).toBe(true);
  });

  it('infrastructure faults and transient failures are not', () => {
    for (const code of [
      'REGISTRY_UNREACHABLE',
      'REGISTRY_ERROR',
      'REGISTRY_AUTH',
      'REGISTRY_DENIED',
      'REGISTRY_NOT_FOUND',
      'STORE_UNAVAILABLE',
      'CONFIG_INVALID',
      'DOCKER_ENGINE',
    ] as const) {
      expect(isUnjudgeable(new PushgateError(code, 'x')), code).toBe(false);
    }
    // A raw exception that was not raised while reading the image (Redis, the queue) is not its fault.
    expect(isUnjudgeable(new Error('Connection is closed.'))).toBe(false);
    // Waiting on another worker's inspection lock is not the image's fault.
    expect(isUnjudgeable(new PushgateError('SCAN_TIMEOUT', 'lock', { transient: true }))).toBe(false);
  });
});

describe('readingFault', () => {
  it('a dropped or silent connection mid-body is REGISTRY_UNREACHABLE, transient, never the image', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const wrapped = new Error('read failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
    });
    for (const err of [reset, wrapped]) {
      expect(isNetworkError(err)).toBe(true);
      const fault = readingFault('reading the blob', err);
      expect(fault.code).toBe('REGISTRY_UNREACHABLE');
      expect(fault.transient).toBe(true);
      expect(isUnjudgeable(fault)).toBe(false);
    }
  });

  it('keeps a PushgateError as it is and makes anything else INTERNAL', () => {
    const limit = new PushgateError('LAYER_LIMIT', 'too big');
    expect(readingFault('x', limit)).toBe(limit);
    const bug = readingFault(
      'reading the image',
      new TypeError("Cannot read properties of null (reading 'a')"),
    );
    expect(bug.code).toBe('INTERNAL');
    expect(bug.message).toBe("reading the image: Cannot read properties of null (reading 'a')");
    expect(isNetworkError(new Error('ENOENT-like', { cause: { code: 'ENOENT' } }))).toBe(false);
  });
});

describe('ERRORS: one table says what every code means', () => {
  const codes = Object.keys(ERRORS) as ErrorCode[];

  it('classifies every code completely', () => {
    for (const code of codes) {
      const kind = ERRORS[code];
      expect(kind.message.length, code).toBeGreaterThan(0);
      expect(typeof kind.retryable, code).toBe('boolean');
      expect(['image', 'infrastructure'], code).toContain(kind.fault);
      expect([400, 401, 403, 404, 409, 413, 415, 422, 500, 503], code).toContain(kind.http);
      expect(Object.values(FailureExit), code).toContain(kind.exit);
    }
  });

  // The tables the one table replaced, written out: the classification did not move.
  it('keeps the retries, HTTP statuses and exit codes the separate tables had', () => {
    const permanent = [
      'CONFIG_INVALID',
      'REFERENCE_INVALID',
      'REGISTRY_AUTH',
      'REGISTRY_DENIED',
      'REGISTRY_NOT_FOUND',
      'SSRF_BLOCKED',
      'MANIFEST_UNSUPPORTED',
      'MANIFEST_INVALID',
      'BODY_TOO_LARGE',
      'PLATFORM_NOT_FOUND',
      'LAYER_CORRUPT',
      'LAYER_LIMIT',
      'LAYER_UNSUPPORTED',
      'SCAN_TIMEOUT',
    ];
    const http = new Set(
      Object.keys(WEBHOOK_ERROR_STATUS).concat([
        'BAD_REQUEST',
        'UNAVAILABLE',
        'API_DISABLED',
        'FORBIDDEN',
        'AMBIGUOUS_DIGEST',
      ]),
    );
    const core = codes.filter((code) => !http.has(code));
    expect(core.filter((code) => !ERRORS[code].retryable).sort()).toEqual(permanent.sort());
    expect(
      Object.fromEntries(core.filter((c) => ERRORS[c].http !== 500).map((c) => [c, ERRORS[c].http])),
    ).toEqual({
      USAGE: 400,
      REFERENCE_INVALID: 400,
      CURSOR_INVALID: 400,
      STORE_UNAVAILABLE: 503,
    });
    for (const code of core) {
      const expected = ['USAGE', 'CONFIG_INVALID', 'REFERENCE_INVALID'].includes(code)
        ? 2
        : code === 'INTERNAL'
          ? 70
          : 3;
      expect(ERRORS[code].exit, code).toBe(expected);
    }
    expect(
      Object.fromEntries(
        ['BAD_REQUEST', 'UNAVAILABLE', 'API_DISABLED', 'FORBIDDEN', 'AMBIGUOUS_DIGEST'].map((c) => [
          c,
          ERRORS[c as ErrorCode].http,
        ]),
      ),
    ).toEqual({
      BAD_REQUEST: 400,
      UNAVAILABLE: 503,
      API_DISABLED: 503,
      FORBIDDEN: 403,
      AMBIGUOUS_DIGEST: 409,
    });
  });

  it('derives isPermanent, exitCodeFor and the HTTP status from it', () => {
    for (const code of codes) {
      const error = new PushgateError(code, 'x');
      expect(isPermanent(error), code).toBe(!ERRORS[code].retryable);
      expect(error.retryable, code).toBe(ERRORS[code].retryable);
      expect(exitCodeFor(error), code).toBe(ERRORS[code].exit);
      expect(isUnjudgeable(error), code).toBe(ERRORS[code].fault === 'image');
      // A transient failure is retried whatever its code; a wrapped one keeps its classification.
      expect(isPermanent(new PushgateError(code, 'x', { transient: true })), code).toBe(false);
      expect(isPermanent(withContext('doing y', error)), code).toBe(!ERRORS[code].retryable);
      // Marked final (an inspect job's last attempt): never retried.
      expect(isPermanent(new PushgateError(code, 'x', { retryable: false })), code).toBe(true);
    }
    expect(isPermanent(new TypeError('boom'))).toBe(false);
    expect(exitCodeFor(new TypeError('boom'))).toBe(70);
  });

  it('webhook errors are PushgateErrors whose status comes from the table', () => {
    for (const code of Object.keys(WEBHOOK_ERROR_STATUS) as WebhookErrorCode[]) {
      const error = new WebhookError(code, 'x');
      expect(isPushgateError(error)).toBe(true);
      expect(error.status).toBe(ERRORS[code].http);
    }
  });
});
