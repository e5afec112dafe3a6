/**
 * The WebAssembly module behind KeywordFilter (keyword-filter.ts), assembled here byte by byte: one
 * exported function, `filter(from, to) → count`, and its memory. No toolchain builds it and no
 * binary is committed; the comments name every instruction.
 *
 * `filter` is a "Teddy" prefilter (the multi-keyword SIMD search of Hyperscan and Rust's
 * aho-corasick). In pseudo-code:
 *
 *     for (p = from; p < to; p += 16)                       // 16 candidate positions at once
 *       m = AND over k in 0..3 of LOk[IN[p+k..] & 15] & HIk[IN[p+k..] >> 4]   // i8x16.swizzle
 *       for each lane i with m[i] != 0, q = p + i < to:     // i8x16.bitmask, ctz
 *         if TRIGRAMS[hash(IN[q], IN[q+1], IN[q+2])]: OUT[count++] = q
 *
 * Lanes of the nibble tables are bitmasks of keyword buckets. Why no keyword occurrence is ever
 * dropped (KeywordFilter builds the tables so): a keyword's bucket bit is set, at each of its first
 * four positions, for both ASCII cases of its byte there, and for every nibble past a keyword
 * shorter than four bytes; its trigram-table entry is set for its first three bytes, and for all
 * 32 (1024) values the hash can take after a keyword of two (one) bytes. The hash keeps the low
 * five bits of each byte, which fold ASCII case (and merge other bytes: only false candidates).
 * The loads read at most 18 bytes past position `to - 1`; JavaScript copies LOOKAHEAD bytes more.
 */

import {
  addTo,
  brIf,
  end,
  everyBlock,
  get,
  i32Add,
  i32And,
  i32Const,
  i32Ctz,
  i32Load8U,
  i32LtU,
  i32Or,
  i32Shl,
  i32Store,
  i32Sub,
  i8x16Bitmask,
  i8x16Ne,
  if_,
  itemsWritten,
  loop,
  nibbleLookup,
  set,
  tee,
  v128And,
  v128Const,
  v128Load,
  WasmKernel,
  wasmModule,
} from './wasm-encoding.js';

/** Positions tested per call: `OUT` holds one u32 per position, so it can never overflow. */
export const SLICE = 64 * 1024;
/** Bytes after a slice copied (or zeroed) with it: the SIMD loads read up to 18 past its last position. */
export const LOOKAHEAD = 32;
/** Bytes of a keyword's start the nibble tables look at. */
export const FINGERPRINT = 4;
/** LO0, HI0 … LO3, HI3: 16 bytes each. */
export const NIBBLE_TABLES = 0;
/** One byte per trigram hash (see `trigramHash`): non-zero when some keyword starts with it. */
export const TRIGRAMS = NIBBLE_TABLES + 32 * FINGERPRINT;
/** Bits the trigram hash keeps of each byte. */
const HASH_BITS = 5;
export const TRIGRAM_COUNT = 1 << (3 * HASH_BITS);
/** Candidate positions written by `filter`, u32 each. */
export const OUT = TRIGRAMS + TRIGRAM_COUNT;
/** The bytes to search: a slice, its lookahead, and zeros after the input's end. */
export const IN = OUT + 4 * SLICE;
const PAGES = Math.ceil((IN + SLICE + LOOKAHEAD) / 65536);
if (LOOKAHEAD < 18)
  throw new Error('keyword filter layout: LOOKAHEAD must cover the 18 bytes the loads read ahead');

/**
 * The hash the exact check uses: the low five bits of three bytes (which fold ASCII case), so
 * `Tok` and `tok` hash alike; different trigrams may share one, never a keyword and its own bytes.
 */
export function trigramHash(b0: number, b1: number, b2: number): number {
  const low = (1 << HASH_BITS) - 1;
  return ((b0 & low) << (2 * HASH_BITS)) | ((b1 & low) << HASH_BITS) | (b2 & low);
}

// Locals: the two parameters, then i32s, then v128s.
const FROM = 0;
const TO = 1;
const P = 2;
const OUT_AT = 3;
const MASK = 4;
const Q = 5;
const TABLE = 6; // 2 * FINGERPRINT v128 locals: LO0, HI0 … LO3, HI3
const V = TABLE + 2 * FINGERPRINT;

/** The bucket bits of the bytes at `p + k`: LOk[byte & 15] & HIk[byte >> 4]. */
const lookup = (k: number): number[] => nibbleLookup(TABLE + 2 * k, TABLE + 2 * k + 1, P, IN + k, V);

/** `(byte at q + k) & 31`, shifted into its place in the trigram hash. */
function hashPart(k: number): number[] {
  const shift = (2 - k) * HASH_BITS;
  return [
    ...get(Q),
    ...i32Load8U(IN + k),
    ...i32Const((1 << HASH_BITS) - 1),
    ...i32And,
    ...(shift > 0 ? [...i32Const(shift), ...i32Shl] : []),
  ];
}

function filterBody(): number[] {
  const loadTables: number[] = [];
  for (let t = 0; t < 2 * FINGERPRINT; t++)
    loadTables.push(...i32Const(0), ...v128Load(NIBBLE_TABLES + 16 * t), ...set(TABLE + t));
  return [
    ...loadTables,
    ...i32Const(OUT),
    ...set(OUT_AT),
    ...get(FROM),
    ...set(P),
    // for each block of 16 positions p < to:
    ...everyBlock(P, TO, [
      // mask = bitmask(m0 & m1 & m2 & m3 != 0): which of the 16 positions may start a keyword
      ...lookup(0),
      ...lookup(1),
      ...v128And,
      ...lookup(2),
      ...v128And,
      ...lookup(3),
      ...v128And,
      ...v128Const(0),
      ...i8x16Ne,
      ...i8x16Bitmask,
      ...tee(MASK),
      ...if_,
      ...loop,
      // q = p + ctz(mask); keep it when q < to and its trigram starts a keyword
      ...get(P),
      ...get(MASK),
      ...i32Ctz,
      ...i32Add,
      ...tee(Q),
      ...get(TO),
      ...i32LtU,
      ...if_,
      ...hashPart(0),
      ...hashPart(1),
      ...i32Or,
      ...hashPart(2),
      ...i32Or,
      ...i32Load8U(TRIGRAMS),
      ...if_,
      ...get(OUT_AT),
      ...get(Q),
      ...i32Store(0),
      ...addTo(OUT_AT, 4),
      ...end,
      ...end,
      // mask &= mask - 1; again while bits are left
      ...get(MASK),
      ...get(MASK),
      ...i32Const(1),
      ...i32Sub,
      ...i32And,
      ...tee(MASK),
      ...brIf(0),
      ...end,
      ...end,
    ]),
    // return the number of u32 positions written
    ...itemsWritten(OUT_AT, OUT, 2),
    ...end,
  ];
}

/** The module's bytes: `filter(from: i32, to: i32) → i32` and `memory`. */
export function keywordFilterModule(): Uint8Array {
  return wasmModule({
    name: 'filter',
    params: 2,
    i32Locals: TABLE - 2,
    v128Locals: V + 1 - TABLE,
    pages: PAGES,
    body: filterBody(),
  });
}

/** The kernel, compiled once per thread. */
export const KEYWORD_FILTER_KERNEL = new WasmKernel(keywordFilterModule);
