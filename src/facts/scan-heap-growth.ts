import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

/**
 * How far V8 lets the old generation grow past what survived the last full GC while pushgate scans
 * an image: `--heap-growing-percent=300`, a factor of 4. V8 picks between 1.1 and 4 on its own (4
 * only for a large maximum heap); the flag also overrides its memory-saving modes (V8's
 * `src/heap/heap-controller.cc`).
 *
 * Why (issue 16, `bench/scan/README.md`, "Fewer full GCs"): a scan keeps little on the JavaScript
 * heap (10–20 MiB live) and streams gigabytes through buffers. V8 derives its old-generation limit
 * from that small live size and starts incremental marking again soon after each full GC, well
 * below the limit: usually 25–40 mark-compacts in a 1.7 s cold scan of the Go image on Node 20 (20
 * on Node 22, 41–44 on 24); a larger limit stops it. With the factor at 4 there were 2–6 on Node 20
 * (10–14 on 24); the scan used 0.2–0.4 s less CPU and ran 5–10 % faster on both bench images, and
 * its peak RSS rose by 3–22 MiB (medians of interleaved runs).
 *
 * V8 reads the flag each time it recomputes a limit, for every isolate of the process (this thread
 * and the layer threads), so it is set while a scan runs and set back to V8's own choice (0) when
 * the last scan ends; a limit computed meanwhile stays until the next full GC. Setting V8 flags at
 * run time is not safe in general (`--single-threaded-gc` crashed V8 11.3 that way, see
 * `bench/scan/README.md`); this one is a number read when a limit is computed (set and reset on
 * Node 20, 22 and 24 without a complaint; a test checks the running node knows it).
 *
 * Only a process's main thread sets it: the counter below is per thread, so a scan in a worker
 * thread (BullMQ's `thread` sandbox) leaves the heaps of the process it shares alone and runs with
 * V8's own growth. Left alone too when node was started with its own `--heap-growing-percent`
 * (looked for in the main thread's options). A failure to set or reset it is ignored: it is only a
 * speed-up, and must not fail a scan or hide the scan's own result.
 */
export const SCAN_HEAP_GROWING_PERCENT = 300;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;
/** Scans running on this thread now. */
let running = 0;

export interface HeapGrowthOptions {
  /** node's own options; default `process.execArgv`. */
  execArgv?: readonly string[];
  /** Whether this is the process's main thread; default from `node:worker_threads`. */
  mainThread?: boolean;
  /** Sets a V8 flag; default `v8.setFlagsFromString` (tests record the calls instead). */
  setFlags?: (flag: string) => void;
}

/** Runs `scan` with the scan heap growth in force (see above). */
export async function withScanHeapGrowth<T>(
  scan: () => Promise<T>,
  options: HeapGrowthOptions = {},
): Promise<T> {
  const { execArgv = process.execArgv, mainThread = isMainThread, setFlags = setFlagsFromString } = options;
  if (!mainThread || execArgv.some((arg) => FLAG.test(arg))) return scan();
  const trySet = (flag: string): void => {
    try {
      setFlags(flag);
    } catch {
      // Only a speed-up: the scan goes on with V8's own growth.
    }
  };
  if (running === 0) trySet(`--heap-growing-percent=${SCAN_HEAP_GROWING_PERCENT}`);
  running++;
  try {
    return await scan();
  } finally {
    if (--running === 0) trySet('--heap-growing-percent=0');
  }
}

/** Scans holding the heap growth on this thread now. */
export function heapGrowthHolders(): number {
  return running;
}
