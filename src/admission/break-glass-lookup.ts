import type { BreakGlassExemption } from '../store/break-glass.js';

/** Whether a namespace has a break-glass exemption in force, as the decider asks it. */
export interface BreakGlassLookup {
  exemption(namespace: string, signal: AbortSignal): Promise<BreakGlassExemption | undefined>;
}

export interface BreakGlassLookupOptions {
  /** How long a loaded list is used; a revocation reaches every `serve` process within it. */
  ttlMs?: number;
  /** How long a review waits for a reload before it goes on without (as not exempt). */
  waitMs?: number;
  /** After a failed load, reviews go on without asking again for this long. */
  retryAfterMs?: number;
  now?: () => number;
  onError?: (err: Error) => void;
}

export const BREAK_GLASS_TTL_MS = 5000;

/**
 * The exemptions in force, loaded whole (there are a handful at most) and kept for `ttlMs`, so a
 * review costs no Redis round trip most of the time: the list is reloaded in the background once
 * it is past 60% of its life, and a review waits for a load (at most `waitMs`) only when it is
 * older than `ttlMs`. An exemption's end is checked at every review, so one that lapses is never
 * honoured from the cache. A load that fails or is late means "not exempt" (fail closed): an
 * exemption only ever opens the gate, so when it cannot be read the gate stays as it is.
 */
export function createBreakGlassLookup(
  load: () => Promise<readonly BreakGlassExemption[]>,
  options: BreakGlassLookupOptions = {},
): BreakGlassLookup {
  const ttlMs = options.ttlMs ?? BREAK_GLASS_TTL_MS;
  const waitMs = options.waitMs ?? 250;
  const retryAfterMs = options.retryAfterMs ?? 1000;
  const now = options.now ?? Date.now;
  let loaded: { at: number; byNamespace: Map<string, BreakGlassExemption> } | undefined;
  let failedAt: number | undefined;
  let inflight: Promise<void> | undefined;

  const reload = (): Promise<void> => {
    inflight ??= load()
      .then(
        (list) => {
          loaded = { at: now(), byNamespace: new Map(list.map((e) => [e.namespace, e])) };
          failedAt = undefined;
        },
        (err: unknown) => {
          failedAt = now();
          options.onError?.(err instanceof Error ? err : new Error(String(err)));
        },
      )
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  const inForce = (namespace: string): BreakGlassExemption | undefined => {
    const exemption = loaded?.byNamespace.get(namespace);
    return exemption && Date.parse(exemption.until) > now() ? exemption : undefined;
  };

  return {
    async exemption(namespace, signal) {
      const age = loaded ? now() - loaded.at : Infinity;
      if (age < ttlMs) {
        if (age >= ttlMs * 0.6) void reload();
        return inForce(namespace);
      }
      if (failedAt !== undefined && now() - failedAt < retryAfterMs) return undefined;
      if (signal.aborted) return undefined;
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
        onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([reload(), late]);
      } finally {
        clearTimeout(timer);
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
      // A load that finished just now counts; a stale list never does.
      return loaded && now() - loaded.at < ttlMs ? inForce(namespace) : undefined;
    },
  };
}
