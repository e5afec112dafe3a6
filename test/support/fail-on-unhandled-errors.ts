import { afterAll, beforeAll, expect } from 'vitest';

/**
 * Registers hooks that collect uncaught exceptions and unhandled rejections during a test file
 * and fail it at the end if there were any: hostile input must never crash the process.
 */
export function failOnUnhandledErrors(): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown): void => {
    unhandled.push(err);
  };
  beforeAll(() => {
    process.on('uncaughtException', onUnhandled);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('uncaughtException', onUnhandled);
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
}
