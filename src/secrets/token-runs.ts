import {
  OPEN,
  RUNS_IN,
  RUNS_LOOKAHEAD,
  RUNS_OUT,
  RUNS_SLICE,
  TOKEN_RUNS_KERNEL,
  TOKEN_TABLES,
} from './token-runs-wasm.js';

interface RunsExports {
  runs(n: number, carry: number, minRun: number): number;
  memory: { buffer: ArrayBuffer };
}

/** The shortest run TokenRuns can report: one that long never fits between two non-token bytes of a 16-byte block. */
export const MIN_REPORTED_RUN = 15;

/**
 * Finds the runs of a set of "token" bytes in a buffer with WebAssembly SIMD (token-runs-wasm.ts),
 * 16 bytes at a time: the same runs a byte-by-byte scan finds, several times faster on binaries
 * full of strings and symbols, where sampling every few bytes keeps landing inside runs.
 */
export class TokenRuns {
  private readonly runs: RunsExports['runs'];
  private readonly memory: Uint8Array;
  private readonly values: Int32Array;

  /** `token[byte]` is 1 for a token byte. */
  constructor(token: Uint8Array) {
    const { runs, memory } = TOKEN_RUNS_KERNEL.instantiate() as RunsExports;
    this.runs = runs;
    this.memory = new Uint8Array(memory.buffer);
    this.values = new Int32Array(memory.buffer);
    // One bit per high nibble that has token bytes, so LO[lo] & HI[hi] is exact.
    const highs = [
      ...new Set([...token.keys()].filter((byte) => token[byte] === 1).map((byte) => byte >> 4)),
    ];
    if (highs.length > 8) throw new Error('TokenRuns: token bytes span more than 8 high nibbles');
    const lo = this.memory.subarray(TOKEN_TABLES, TOKEN_TABLES + 16);
    const hi = this.memory.subarray(TOKEN_TABLES + 16, TOKEN_TABLES + 32);
    highs.forEach((high, bit) => (hi[high] = 1 << bit));
    for (let byte = 0; byte < 256; byte++) if (token[byte] === 1) lo[byte & 15] |= hi[byte >> 4];
  }

  /** Calls `onRun(start, end)` for every maximal run of at least `minRun` token bytes, in order. */
  scan(bytes: Uint8Array, minRun: number, onRun: (start: number, end: number) => void): void {
    if (!(minRun >= MIN_REPORTED_RUN)) throw new Error(`TokenRuns: minRun must be ≥ ${MIN_REPORTED_RUN}`);
    const memory = this.memory;
    const values = this.values;
    const length = bytes.length;
    let carry = 0;
    for (let offset = 0; offset < length; offset += RUNS_SLICE) {
      const n = Math.min(RUNS_SLICE, length - offset);
      memory.set(bytes.subarray(offset, offset + n), RUNS_IN);
      memory.fill(0, RUNS_IN + n, RUNS_IN + n + RUNS_LOOKAHEAD);
      const count = this.runs(n, carry, minRun);
      for (let i = 0; i < count; i++) {
        onRun(offset + values[RUNS_OUT / 4 + 2 * i], offset + values[RUNS_OUT / 4 + 2 * i + 1]);
      }
      carry = values[OPEN / 4];
    }
    // A run reaching the input's end: the zeros after the last slice close it there, unless
    // that slice was a whole one.
    if (carry >= minRun) onRun(length - carry, length);
  }
}

/** TokenRuns over `token` where this runtime has WebAssembly SIMD, else undefined. */
export function tokenRuns(token: Uint8Array): TokenRuns | undefined {
  return TOKEN_RUNS_KERNEL.supported ? new TokenRuns(token) : undefined;
}
