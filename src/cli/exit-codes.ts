import { ERRORS, FailureExit, isPushgateError } from '../errors.js';

/** Documented in the README; scripts depend on them, so they never change meaning. */
export const ExitCode = {
  OK: 0,
  /**
   * `scan --policy`: the decision is reject, or error under fail-closed (the default);
   * `policy lint`: a policy has an error.
   */
  POLICY_FAILED: 1,
  ...FailureExit,
} as const;

/** A failure's exit code: its code's `exit` in `ERRORS`; 70 for anything not a PushgateError. */
export function exitCodeFor(err: unknown): number {
  return isPushgateError(err) ? ERRORS[err.code].exit : ExitCode.INTERNAL;
}
