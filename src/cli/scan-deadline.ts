import { PushgateError } from '../errors.js';

/** `90000` → `1m30s`, for messages that echo `--timeout`. */
export function formatDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  const text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}${rest ? `${rest}ms` : ''}`;
  return text === '' ? '0s' : text;
}

/**
 * Runs `work` until `timeoutMs` have passed. Then `controller` is aborted with a SCAN_TIMEOUT
 * error, which stops every request, engine stream and layer walk holding its signal, and the
 * same error is thrown at once: nothing that ignores the signal can hold the scan.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  controller: AbortController,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new PushgateError(
        'SCAN_TIMEOUT',
        `scan ${what}: not finished within --timeout ${formatDuration(timeoutMs)}; a larger --timeout gives it longer`,
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const running = work();
  // After the deadline the work still settles (with the abort); that rejection is not news.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * While a scan runs, SIGINT and SIGTERM stop it cleanly: `cleanup` (abort the work, close the
 * source, which removes a `docker save` spool) runs, then the process exits 130 or 143 as a shell
 * would report the signal. A second signal during cleanup gets Node's default (immediate) exit.
 * Returns the function that uninstalls the handlers.
 */
export function onInterrupt(
  cleanup: (signal: NodeJS.Signals) => Promise<void>,
  stderr: NodeJS.WritableStream,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  const handlers = new Map<'SIGINT' | 'SIGTERM', () => void>();
  const uninstall = (): void => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    handlers.clear();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const handler = (): void => {
      uninstall();
      stderr.write(`pushgate: ${signal} received, stopping the scan\n`);
      cleanup(signal)
        .catch(() => undefined)
        .finally(() => exit(SIGNAL_EXIT[signal]));
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return uninstall;
}
