import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  FAULT_OF,
  isNetworkError,
  isUnjudgeable,
  PushgateError,
  readingFault,
  withContext,
} from '../../src/errors.js';

describe('isUnjudgeable: what fail-closed rejects as UNJUDGED', () => {
  it('classifies every error code', () => {
    expect(Object.keys(FAULT_OF).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

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
