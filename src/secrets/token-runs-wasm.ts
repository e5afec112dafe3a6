/**
 * The WebAssembly module behind TokenRuns (token-runs.ts), assembled by hand like
 * keyword-filter-wasm.ts: one exported function, `runs(n, carry, minRun) → count`, and its memory.
 *
 * `runs` finds the runs of token characters in `IN[0, n)` that are at least `minRun` (≥ 15) long.
 * For 16 bytes at once it looks each byte's low and high nibble up in two tables
 * (`i8x16.swizzle`) whose AND says "token character" exactly (each high nibble has its own bit)
 * and makes a 16-bit mask of it. A run of 15 or more cannot lie between two non-token bytes of
 * one block, so per block only two runs matter: the one the block's first non-token byte ends
 * (its length: the token bytes carried from before, plus those up to that byte), and the one its
 * last token bytes start (carried on). A block of token bytes only adds 16 to the carry. Runs
 * long enough are written to `OUT` as (start, end) pairs; `carry` in and `OPEN` out hold the
 * token bytes just before the slice's start and just before its end.
 */
import {
  addTo,
  else_,
  end,
  everyBlock,
  get,
  i32Add,
  i32Clz,
  i32Const,
  i32Ctz,
  i32Eq,
  i32GeS,
  i32Store,
  i32Sub,
  i32Xor,
  i8x16Bitmask,
  i8x16Ne,
  if_,
  itemsWritten,
  nibbleLookup,
  set,
  tee,
  v128Const,
  v128Load,
  WasmKernel,
  wasmModule,
} from './wasm-encoding.js';

/** Bytes per call. A multiple of 16: only the input's last slice ends inside a 16-byte block. */
export const RUNS_SLICE = 64 * 1024;
/** Zero bytes after the input's last byte, so the last block reads no stale bytes. */
export const RUNS_LOOKAHEAD = 16;
/** The low-nibble table (16 bytes), then the high-nibble table. */
export const TOKEN_TABLES = 0;
/** Token bytes at the end of the slice (i32): the next call's `carry`. */
export const OPEN = 32;
/** (start, end) pairs, i32 each: at most one per 16-byte block, RUNS_SLICE / 2 bytes a slice. */
export const RUNS_OUT = 64;
export const RUNS_IN = RUNS_OUT + RUNS_SLICE;
const PAGES = Math.ceil((RUNS_IN + RUNS_SLICE + RUNS_LOOKAHEAD) / 65536);

// Locals: the three parameters, then i32s, then v128s.
const N = 0;
const CARRY = 1;
const MIN_RUN = 2;
const P = 3;
const MASK = 4;
const ZEROS = 5;
const LENGTH = 6;
const END = 7;
const OUT_AT = 8;
const LO = 9;
const HI = 10;
const V = 11;

function runsBody(): number[] {
  return [
    ...i32Const(0),
    ...v128Load(TOKEN_TABLES),
    ...set(LO),
    ...i32Const(0),
    ...v128Load(TOKEN_TABLES + 16),
    ...set(HI),
    ...i32Const(RUNS_OUT),
    ...set(OUT_AT),
    ...i32Const(0),
    ...set(P),
    // for each block of 16 bytes p < n:
    ...everyBlock(P, N, [
      // mask = bit i set when byte p + i is a token character
      ...nibbleLookup(LO, HI, P, RUNS_IN, V),
      ...v128Const(0),
      ...i8x16Ne,
      ...i8x16Bitmask,
      ...tee(MASK),
      ...i32Const(0xffff),
      ...i32Eq,
      ...if_,
      // all token bytes: the open run grows by 16
      ...addTo(CARRY, 16),
      ...else_,
      // zeros = the non-token bytes; length = carry + token bytes before the first of them
      ...get(MASK),
      ...i32Const(0xffff),
      ...i32Xor,
      ...tee(ZEROS),
      ...i32Ctz,
      ...get(CARRY),
      ...i32Add,
      ...tee(LENGTH),
      ...get(MIN_RUN),
      ...i32GeS,
      ...if_,
      // out: (end - length, end), end = p + ctz(zeros)
      ...get(OUT_AT),
      ...get(P),
      ...get(ZEROS),
      ...i32Ctz,
      ...i32Add,
      ...tee(END),
      ...get(LENGTH),
      ...i32Sub,
      ...i32Store(0),
      ...get(OUT_AT),
      ...get(END),
      ...i32Store(4),
      ...addTo(OUT_AT, 8),
      ...end,
      // carry = token bytes after the last non-token byte: clz(zeros) - 16
      ...get(ZEROS),
      ...i32Clz,
      ...i32Const(16),
      ...i32Sub,
      ...set(CARRY),
      ...end,
    ]),
    // the token bytes at the slice's end, for the next slice
    ...i32Const(0),
    ...get(CARRY),
    ...i32Store(OPEN),
    // return the number of (start, end) pairs written
    ...itemsWritten(OUT_AT, RUNS_OUT, 3),
    ...end,
  ];
}

/** The module's bytes: `runs(n: i32, carry: i32, minRun: i32) → i32` and `memory`. */
export function tokenRunsModule(): Uint8Array {
  return wasmModule({
    name: 'runs',
    params: 3,
    i32Locals: LO - 3,
    v128Locals: V + 1 - LO,
    pages: PAGES,
    body: runsBody(),
  });
}

/** The kernel, compiled once per thread. */
export const TOKEN_RUNS_KERNEL = new WasmKernel(tokenRunsModule);
