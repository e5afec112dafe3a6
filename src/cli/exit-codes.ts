import { isPushgateError } from '../errors.js';

/** Documented in the README; scripts depend on them, so they never change meaning. */
export const ExitCode = {
  OK: 0,
  /**
   * `scan --policy`: the decision is reject, or error under fail-closed (the default);
   * `policy lint`: a policy has an error.
   */
  POLICY_FAILED: 1,
  USAGE: 2,
  IMAGE_UNREADABLE: 3,
  INTERNAL: 70,
} as const;

export function exitCodeFor(err: unknown): number {
  if (!isPushgateError(err)) return ExitCode.INTERNAL;
  switch (err.code) {
    case 'USAGE':
    case 'CONFIG_INVALID':
    case 'REFERENCE_INVALID':
      return ExitCode.USAGE;
    case 'INTERNAL':
      return ExitCode.INTERNAL;
    default:
      return ExitCode.IMAGE_UNREADABLE;
  }
}
