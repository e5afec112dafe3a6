import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full GC while pushgate scans
 * an image: `--heap-growing-percent=300` is a factor of 4, the largest V8 picks on its own.
 *
 * Why (issue 16, `bench/scan/README.md`): a scan keeps little on the JavaScript heap (10–20 MiB
 * live) and streams gigabytes through buffers. V8 then judges full GCs cheap and sets the next
 * limit barely above the live size, so incremental marking starts again as soon as one ends: 25–45
 * mark-compacts in a 1.7 s cold scan of the Go image, on Node 20, 22 and 24 alike. With the factor
 * at 4 there were 2–6, the scan used 0.3–0.5 s less CPU and ran 7–13 % faster on both bench images;
 * peak RSS rose by 10–20 MiB (buffers still die young and go with scavenges).
 *
 * The flag is process-wide (every isolate: this thread and the layer threads) and V8 reads it each
 * time it recomputes a limit, so it is set while a scan runs and set back to V8's own choice (0)
 * when the last one in the process ends: a server that scans now and then keeps V8's defaults in
 * between. Left alone when node was started with its own `--heap-growing-percent`.
 */
export const SCAN_HEAP_GROWING_PERCENT = 300;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;
/** Scans running in this process now. */
let running = 0;

export interface HeapGrowthOptions {
  /** node's own options; default `process.execArgv`. */
  execArgv?: readonly string[];
  /** Sets a V8 flag; default `v8.setFlagsFromString` (tests record the calls instead). */
  setFlags?: (flag: string) => void;
}

/** Runs `scan` with the scan heap growth in force (see above). */
export async function withScanHeapGrowth<T>(
  scan: () => Promise<T>,
  options: HeapGrowthOptions = {},
): Promise<T> {
  const { execArgv = process.execArgv, setFlags = setFlagsFromString } = options;
  if (execArgv.some((arg) => FLAG.test(arg))) return scan();
  if (running++ === 0) setFlags(`--heap-growing-percent=${SCAN_HEAP_GROWING_PERCENT}`);
  try {
    return await scan();
  } finally {
    if (--running === 0) setFlags('--heap-growing-percent=0');
  }
}

/** Scans holding the heap growth now. */
export function heapGrowthHolders(): number {
  return running;
}
