/**
 * `load` run at most once per `ms`: callers within that time get the last value, and concurrent
 * callers share one run. A failure is not remembered (the next call tries again). For metrics that
 * are expensive to compute (many Redis reads) and scraped often.
 */
export function cachedFor<T>(
  ms: number,
  load: () => Promise<T>,
  now: () => number = Date.now,
): () => Promise<T> {
  let last: { value: T; at: number } | undefined;
  let running: Promise<T> | undefined;
  return () => {
    if (last && now() - last.at < ms) return Promise.resolve(last.value);
    running ??= load()
      .then((value) => {
        last = { value, at: now() };
        return value;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}
