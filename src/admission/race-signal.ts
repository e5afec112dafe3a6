/**
 * `work`'s value, or `{ aborted: true }` as soon as `signal` aborts (the review's deadline). The
 * work itself is not stopped — a coalesced tag resolution may serve the next review — but its
 * late failure is swallowed, so nothing is left unhandled.
 */
export async function raceSignal<T>(
  work: Promise<T>,
  signal: AbortSignal,
): Promise<{ value: T } | { aborted: true }> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return { aborted: true };
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<{ aborted: true }>((resolve) => {
    onAbort = () => resolve({ aborted: true });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then((value) => ({ value })), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    work.catch(() => undefined);
  }
}
