import { isPushgateError } from '../errors.js';
import { printable } from '../escape-text.js';
import type { AdmissionAnswer } from './types.js';

export type Decided =
  | { kind: 'answer'; answer: AdmissionAnswer }
  | { kind: 'unavailable'; reason: 'timeout' | 'error'; error?: unknown };

/**
 * Runs `decide` with an AbortSignal that fires at `deadlineMs`, and settles by then whatever the
 * decider does: a decider that ignores the signal is left behind (its late result or rejection is
 * dropped), so a review is never held past the deadline.
 */
export async function decideWithDeadline(
  decide: (signal: AbortSignal) => Promise<AdmissionAnswer>,
  deadlineMs: number,
): Promise<Decided> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Decided>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`the admission deadline of ${deadlineMs} ms passed`));
      resolve({ kind: 'unavailable', reason: 'timeout' });
    }, deadlineMs);
  });
  let running: Promise<Decided>;
  try {
    running = decide(controller.signal).then(
      (answer): Decided => ({ kind: 'answer', answer }),
      (error: unknown): Decided => ({ kind: 'unavailable', reason: 'error', error }),
    );
  } catch (error) {
    // A decider that throws before returning a promise.
    running = Promise.resolve({ kind: 'unavailable', reason: 'error', error });
  }
  try {
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The answer when no decision was reached: `admission.onUnavailable` deny (with a message saying
 * why) or allow (with a warning). Audit mode allows everything, so there a deny becomes a warning
 * too. The error's message is shown only for PushgateErrors (they say what was being done);
 * anything else is a pushgate bug whose details belong in the log, not in front of kubectl users.
 */
export function unavailableAnswer(
  decided: Extract<Decided, { kind: 'unavailable' }>,
  settings: { onUnavailable: 'deny' | 'allow'; mode: 'enforce' | 'audit'; deadlineMs: number },
): AdmissionAnswer {
  const why =
    decided.reason === 'timeout'
      ? `pushgate could not decide within ${settings.deadlineMs} ms`
      : isPushgateError(decided.error)
        ? `pushgate could not decide: ${decided.error.code}: ${printable(decided.error.message, 300)}`
        : 'pushgate could not decide: internal error';
  const auditAnnotations = { unavailable: decided.reason };
  if (settings.onUnavailable === 'deny' && settings.mode === 'enforce') {
    return { allowed: false, message: `${why} (admission.onUnavailable: deny)`, auditAnnotations };
  }
  const warning =
    settings.onUnavailable === 'deny'
      ? `${why}; admission.mode audit: allowed, enforce would have denied (admission.onUnavailable: deny)`
      : `${why}; allowed unchecked (admission.onUnavailable: allow)`;
  return { allowed: true, warnings: [warning], auditAnnotations };
}
