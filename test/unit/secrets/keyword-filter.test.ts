import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { KeywordAutomaton } from '../../../src/secrets/keyword-automaton.js';
import { KeywordFilter, keywordMatcher } from '../../../src/secrets/keyword-filter.js';
import type { KeywordMatcher } from '../../../src/secrets/keyword-matcher.js';
import { SLICE } from '../../../src/secrets/keyword-filter-wasm.js';
import { BINARY_RULES } from '../../../src/secrets/scan-binary.js';
import { TEXT_RULES } from '../../../src/secrets/scan-text.js';
import { runJitless } from '../../support/run-jitless.js';
import { xorshift } from '../../support/xorshift.js';

function hits(matcher: KeywordMatcher, bytes: Uint8Array): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  matcher.scan(bytes, (k, end) => out.push([matcher.keywords[k], end]));
  return out;
}

/** The automaton's answer is the reference: the filter must give exactly the same hits, in order. */
function expectSame(keywords: string[], bytes: Uint8Array): Array<[string, number]> {
  const expected = hits(new KeywordAutomaton(keywords), bytes);
  expect(hits(new KeywordFilter(keywords), bytes)).toEqual(expected);
  return expected;
}

/** Deterministic bytes (xorshift): `alphabet` decides how often keyword bytes occur by chance. */
function noise(length: number, seed: number, alphabet?: string): Buffer {
  const out = Buffer.alloc(length);
  const next = xorshift(seed);
  for (let i = 0; i < length; i++) {
    const x = next();
    out[i] = alphabet === undefined ? x & 0xff : alphabet.charCodeAt(x % alphabet.length);
  }
  return out;
}

const keywordsOf = (rules: typeof TEXT_RULES): string[] => [
  ...new Set(rules.flatMap((rule) => rule.keywords.map((k) => k.toLowerCase()))),
];

describe('KeywordFilter', () => {
  it('finds what the automaton finds: overlaps, a keyword inside a longer one, both cases, in end order', () => {
    expect(expectSame(['he', 'she', 'hers', 'his'], Buffer.from('uSHErs his'))).toEqual([
      ['she', 4],
      ['he', 4],
      ['hers', 6],
      ['his', 10],
    ]);
    expect(expectSame(['token', 'x', 'ok', 'tokentoken'], Buffer.from('tokenTOKEN x'))).toEqual([
      ['ok', 3],
      ['token', 5],
      ['ok', 8],
      ['tokentoken', 10],
      ['token', 10],
      ['x', 12],
    ]);
    expectSame(
      ['ghp_', 'sk-ant-', '-----begin', 'q~'],
      Buffer.from('\u00ff\u0000x GHP_ sk-ant- -----BEGIN q~', 'latin1'),
    );
    expectSame(['token'], Buffer.alloc(0));
  });

  it('finds keywords across its 64 KiB slices and at the very end of the input', () => {
    const keywords = ['password', 'aws', 'q~', 'z'];
    const bytes = noise(3 * SLICE + 100, 7, ' \n=abc');
    // One at the start, one ending on a slice edge, one across an edge, one at the last slice's start.
    for (const at of [0, SLICE - 8, 2 * SLICE - 3, 3 * SLICE]) bytes.write('PassWord', at, 'latin1');
    bytes.write('aws', bytes.length - 3, 'latin1');
    bytes.write('q~', SLICE + 99, 'latin1');
    bytes.write('Q~', 3 * SLICE - 3, 'latin1');
    // A keyword at a slice's last position.
    bytes.write('Z', 3 * SLICE - 1, 'latin1');
    bytes.write('z', bytes.length - 4, 'latin1');
    const found = expectSame(keywords, bytes);
    expect(found.filter(([k]) => k === 'password')).toHaveLength(4);
    expect(found.filter(([k]) => k === 'q~')).toEqual([
      ['q~', SLICE + 101],
      ['q~', 3 * SLICE - 1],
    ]);
    expect(found.filter(([k]) => k === 'z')).toEqual([
      ['z', 3 * SLICE],
      ['z', bytes.length - 3],
    ]);
    expect(found.at(-1)).toEqual(['aws', bytes.length]);
  });

  it('keeps end order when a keyword reaches into the next slice and shorter ones end inside it', () => {
    const bytes = Buffer.alloc(2 * SLICE, ' ');
    bytes.write('abcdefgh', SLICE - 3, 'latin1');
    expect(expectSame(['abcdefgh', 'b', 'e'], bytes)).toEqual([
      ['b', SLICE - 1],
      ['e', SLICE + 2],
      ['abcdefgh', SLICE + 5],
    ]);
  });

  it('matches the automaton on random bytes, on text full of near-misses, and on a real binary', () => {
    const text = keywordsOf(TEXT_RULES);
    const binary = keywordsOf(BINARY_RULES);
    expectSame(text, noise(200_000, 11));
    // Keyword letters in both cases, so many positions pass the first bytes and fail later.
    const nearMisses = noise(300_000, 13, 'akiasecrtoknpwdAKIASECRTOKNPWD_-.:/ \n=');
    expect(expectSame(text, nearMisses).length).toBeGreaterThan(0);
    expectSame(binary, nearMisses);
    const elf = readFileSync('/usr/bin/docker-registry').subarray(0, 4_000_000);
    expect(expectSame(text, elf).length).toBeGreaterThan(5);
    expectSame(binary, elf);
  });

  it('matches the automaton on random short keywords over awkward bytes (a seeded differential test)', () => {
    // Bytes whose low five bits equal a keyword byte's, case and high-bit twins, and NUL: what the
    // trigram hash and the nibble tables could confuse. One filter per set, reused across inputs.
    const awkward = [...'aAzZ@`[{_~-. 0\u0001\u001f\u007f'].map((c) => c.charCodeAt(0));
    const next = xorshift(2026);
    const random = (n: number): number => next() % n;
    let compared = 0;
    for (let set = 0; set < 300; set++) {
      const keywords = Array.from({ length: 1 + random(6) }, () =>
        String.fromCharCode(...Array.from({ length: 1 + random(6) }, () => awkward[random(awkward.length)])),
      );
      const alphabet = [
        ...new Set(
          keywords
            .join('')
            .split('')
            .flatMap((c) => [c.charCodeAt(0), c.charCodeAt(0) ^ 0x20, c.charCodeAt(0) | 0x80, 0]),
        ),
      ];
      const automaton = new KeywordAutomaton(keywords);
      const filter = new KeywordFilter(keywords);
      for (let input = 0; input < 16; input++) {
        // First one over two slice edges (hits on both sides of each), then short ones.
        const length = input === 0 ? 2 * SLICE + 40 + random(40) : random(70);
        const bytes = Buffer.alloc(length);
        for (let i = 0; i < length; i++) bytes[i] = alphabet[random(alphabet.length)];
        expect(hits(filter, bytes), JSON.stringify({ keywords, set, input })).toEqual(hits(automaton, bytes));
        compared++;
      }
    }
    expect(compared).toBe(300 * 16);
    // An Azure client secret holds `Q~` then `_`, whose low five bits (31) are the last a two-byte
    // keyword's trigrams cover.
    expect(expectSame(['q~'], Buffer.from('secret=abc8Q~_xyz'))).toEqual([['q~', 13]]);
  });

  it('refuses keywords it cannot match', () => {
    expect(() => new KeywordFilter(['a\u0000'])).toThrow(/NUL/);
    expect(() => new KeywordFilter([''])).toThrow(/non-empty/);
    expect(() => new KeywordFilter(['caf\u00e9'])).toThrow(/ASCII/);
    // Dotless i would pass as "1" if only its latin1 byte were looked at.
    expect(() => new KeywordFilter(['\u0131d'])).toThrow(/ASCII/);
  });

  it('is what keywordMatcher gives here; without WebAssembly it gives the automaton', () => {
    expect(keywordMatcher(['token'])).toBeInstanceOf(KeywordFilter);
    const script =
      "const { keywordMatcher } = await import('./src/secrets/keyword-filter.ts');" +
      "const m = keywordMatcher(['token']); const ends = [];" +
      "m.scan(Buffer.from('a TOKEN'), (k, end) => ends.push(end));" +
      'console.log(m.constructor.name, ends.join());';
    const out = runJitless(script);
    expect(out.trim()).toBe('KeywordAutomaton 7');
  });
});
