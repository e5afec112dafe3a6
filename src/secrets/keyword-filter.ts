import { KeywordAutomaton } from './keyword-automaton.js';
import type { KeywordMatcher } from './keyword-matcher.js';
import {
  FINGERPRINT,
  IN,
  KEYWORD_FILTER_KERNEL,
  LOOKAHEAD,
  NIBBLE_TABLES,
  OUT,
  SLICE,
  TRIGRAM_COUNT,
  TRIGRAMS,
  trigramHash,
} from './keyword-filter-wasm.js';

/** One or more ASCII characters, NUL excepted. */
// eslint-disable-next-line no-control-regex -- NUL is the one ASCII byte refused
const NON_EMPTY_ASCII = /^[\x01-\x7f]+$/;

interface FilterExports {
  filter(from: number, to: number): number;
  memory: { buffer: ArrayBuffer };
}

/**
 * KeywordMatcher on WebAssembly SIMD (keyword-filter-wasm.ts): the module skips the bytes where no
 * keyword can start, 16 at a time, and this class compares the few candidates it leaves with the
 * keywords whole. Several times faster than the automaton on text and binaries alike.
 */
export class KeywordFilter implements KeywordMatcher {
  readonly keywords: readonly string[];
  private readonly lower: Uint8Array[];
  /** Trigram hash → the keywords whose first bytes give it. */
  private readonly byHash: Array<number[] | undefined>;
  private readonly filter: (from: number, to: number) => number;
  private readonly memory: Uint8Array;
  private readonly out: Uint32Array;
  /** Bytes of the shortest keyword. */
  private readonly shortest: number;

  constructor(keywords: readonly string[]) {
    this.keywords = keywords;
    for (const k of keywords) {
      if (!NON_EMPTY_ASCII.test(k)) throw new Error('keywords must be non-empty ASCII without NUL');
    }
    this.lower = keywords.map((k) => Buffer.from(k.toLowerCase(), 'latin1'));
    this.shortest = Math.min(...this.lower.map((k) => k.length));
    const exports = KEYWORD_FILTER_KERNEL.instantiate() as FilterExports;
    this.filter = exports.filter;
    this.memory = new Uint8Array(exports.memory.buffer);
    this.out = new Uint32Array(exports.memory.buffer, OUT, SLICE);
    this.byHash = new Array<number[] | undefined>(TRIGRAM_COUNT);

    // Eight buckets: keywords of one or two bytes, of three, and the longer ones by first byte in
    // six (measured on Go sources: a third of the false candidates of first-byte buckets alone).
    const firsts = [...new Set(this.lower.filter((k) => k.length >= FINGERPRINT).map((k) => k[0]))];
    const bucketOf = (keyword: Uint8Array): number =>
      keyword.length < 3 ? 7 : keyword.length < FINGERPRINT ? 6 : firsts.indexOf(keyword[0]) % 6;
    const tables = this.memory.subarray(NIBBLE_TABLES, NIBBLE_TABLES + 32 * FINGERPRINT);
    this.lower.forEach((keyword, index) => {
      const bit = 1 << bucketOf(keyword);
      for (let position = 0; position < FINGERPRINT; position++) {
        const lo = tables.subarray(32 * position, 32 * position + 16);
        const hi = tables.subarray(32 * position + 16, 32 * position + 32);
        if (position >= keyword.length) {
          // Past a short keyword's end: any byte will do.
          for (let n = 0; n < 16; n++) {
            lo[n] |= bit;
            hi[n] |= bit;
          }
          continue;
        }
        for (const byte of cases(keyword[position])) {
          lo[byte & 15] |= bit;
          hi[byte >> 4] |= bit;
        }
      }
      // Every trigram the keyword may start: one, or 32 / 1024 for keywords of two / one bytes.
      const spread = keyword.length >= 3 ? 1 : keyword.length === 2 ? 32 : 1024;
      const base = trigramHash(keyword[0], keyword[1] ?? 0, keyword[2] ?? 0);
      for (let low = 0; low < spread; low++) {
        const hash = base | low;
        this.memory[TRIGRAMS + hash] = 1;
        (this.byHash[hash] ??= []).push(index);
      }
    });
  }

  scan(bytes: Uint8Array, onHit: (keyword: number, end: number) => void): void {
    const memory = this.memory;
    const length = bytes.length;
    // Hits of the slices so far not handed on yet: a later slice's hit may end before them.
    let ends: number[] = [];
    let found: number[] = [];
    let ordered = true;
    let maxEnd = 0;
    for (let offset = 0; offset < length; offset += SLICE) {
      const positions = Math.min(SLICE, length - offset);
      const copied = Math.min(SLICE + LOOKAHEAD, length - offset);
      memory.set(bytes.subarray(offset, offset + copied), IN);
      // Not needed for the result (keywords shorter than the fingerprint accept any byte after
      // them), but the module then reads the same bytes as the hash below.
      if (copied < SLICE + LOOKAHEAD) memory.fill(0, IN + copied, IN + copied + LOOKAHEAD);
      const count = this.filter(0, positions);
      for (let c = 0; c < count; c++) {
        const start = offset + this.out[c];
        const candidates =
          this.byHash[trigramHash(bytes[start], bytes[start + 1] ?? 0, bytes[start + 2] ?? 0)];
        if (candidates === undefined) continue;
        for (const index of candidates) {
          const keyword = this.lower[index];
          const end = start + keyword.length;
          if (end > length || !matchesAt(bytes, start, keyword)) continue;
          ends.push(end);
          found.push(index);
          if (end < maxEnd) ordered = false;
          else maxEnd = end;
        }
      }
      if (ends.length === 0) continue;
      if (!ordered) {
        // A keyword inside a longer one ends first: order by end (stable, so longer ones stay first).
        const order = ends.map((_, h) => h).sort((a, b) => ends[a] - ends[b] || a - b);
        ends = order.map((h) => ends[h]);
        found = order.map((h) => found[h]);
        ordered = true;
      }
      // Later slices' hits start at offset + positions or later, so they end after this (at a
      // tie they are shorter, and come after): hand these on now, memory stays one slice's worth.
      const safe = offset + positions + this.shortest;
      let flushed = 0;
      while (flushed < ends.length && ends[flushed] <= safe) {
        onHit(found[flushed], ends[flushed]);
        flushed++;
      }
      if (flushed > 0) {
        ends = ends.slice(flushed);
        found = found.slice(flushed);
      }
    }
    for (let h = 0; h < ends.length; h++) onHit(found[h], ends[h]);
  }
}

/** The byte and, for a lowercase ASCII letter, its uppercase form. */
function cases(byte: number): number[] {
  return byte >= 0x61 && byte <= 0x7a ? [byte, byte - 0x20] : [byte];
}

function matchesAt(bytes: Uint8Array, start: number, keyword: Uint8Array): boolean {
  for (let j = 0; j < keyword.length; j++) {
    let byte = bytes[start + j];
    if (byte >= 0x41 && byte <= 0x5a) byte |= 0x20;
    if (byte !== keyword[j]) return false;
  }
  return true;
}

/**
 * The fastest matcher this runtime can run: KeywordFilter where WebAssembly SIMD is available
 * (Node 16.4 and later, unless disabled), else the automaton.
 */
export function keywordMatcher(keywords: readonly string[]): KeywordMatcher {
  return KEYWORD_FILTER_KERNEL.supported ? new KeywordFilter(keywords) : new KeywordAutomaton(keywords);
}
