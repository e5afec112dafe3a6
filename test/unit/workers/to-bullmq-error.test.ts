import { describe, expect, it } from 'vitest';
import { PushgateError } from '../../../src/errors.js';
import { toBullmqError } from '../../../workers/to-bullmq-error.js';

describe('toBullmqError: only workers/ speaks BullMQ', () => {
  it('a final failure becomes UnrecoverableError, keeping message and code', () => {
    for (const error of [
      new PushgateError('REGISTRY_NOT_FOUND', 'inspect x: gone'),
      new PushgateError('REGISTRY_UNREACHABLE', 'inspect x: last attempt', { retryable: false }),
    ]) {
      const converted = toBullmqError(error) as Error & { code?: string };
      expect(converted.name).toBe('UnrecoverableError');
      expect(converted.message).toBe(error.message);
      expect(converted.code).toBe(error.code);
      // BullMQ serialises own properties across the sandbox boundary and compares the name.
      expect(Object.getOwnPropertyNames(converted)).toContain('name');
    }
  });

  it('anything that may be retried is thrown as it is', () => {
    for (const error of [
      new PushgateError('REGISTRY_UNREACHABLE', 'x'),
      new PushgateError('LAYER_CORRUPT', 'x', { transient: true }),
      new TypeError('boom'),
    ]) {
      expect(toBullmqError(error)).toBe(error);
    }
  });
});
