import { describe, expect, it } from 'vitest';
import { ERROR_CODES, FAULT_OF, isUnjudgeable, PushgateError, withContext } from '../../src/errors.js';

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
    expect(isUnjudgeable(new TypeError("Cannot read properties of null (reading 'split')"))).toBe(true);
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
    // Waiting on another worker's inspection lock is not the image's fault.
    expect(isUnjudgeable(new PushgateError('SCAN_TIMEOUT', 'lock', { transient: true }))).toBe(false);
  });
});
