import { UnrecoverableError } from 'bullmq';
import { isPushgateError } from '../src/errors.js';

/**
 * A failure the service marked final (not retryable: a permanent code, or the last attempt with
 * its failure recorded) becomes BullMQ's `UnrecoverableError`, so the job fails without spending
 * its retries; BullMQ recognises it by name once serialised across the sandbox boundary. The code
 * is kept for the worker's log line. Anything else is thrown as it is, and retried.
 */
export function toBullmqError(error: unknown): unknown {
  if (!isPushgateError(error) || error.retryable) return error;
  return Object.assign(new UnrecoverableError(error.message), { code: error.code });
}
