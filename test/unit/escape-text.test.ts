import { describe, expect, it } from 'vitest';
import { escapeJson, escapeLines, escapeText, printable } from '../../src/escape-text.js';

/** Every code point the escaping must neutralise, as listed in src/escape-text.ts. */
const UNSAFE: number[] = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x061c,
  0x200e,
  0x200f,
  0x2028,
  0x2029,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
];
const ALL_UNSAFE = String.fromCodePoint(...UNSAFE);
// eslint-disable-next-line no-control-regex -- the test looks for exactly these
const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('escapeText', () => {
  it('shows C0, DEL, C1 and bidi controls as visible escapes', () => {
    expect(escapeText('\x1b[2J\x1b[32mPASS\x1b[0m')).toBe('\\x1b[2J\\x1b[32mPASS\\x1b[0m');
    expect(escapeText('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(escapeText('\x00\x07\x7f')).toBe('\\x00\\x07\\x7f');
    expect(escapeText('\u009b31m\u0085')).toBe('\\x9b31m\\x85');
    expect(escapeText('\u202egnp.exe')).toBe('\\u202egnp.exe');
    expect(escapeText('\u2066x\u2069\u200e\u200f\u061c\u2028\u2029')).toBe(
      '\\u2066x\\u2069\\u200e\\u200f\\u061c\\u2028\\u2029',
    );
  });

  it('leaves everything else alone: printable ASCII, backslashes, other Unicode', () => {
    const text = 'RUN C:\\tools\\x1b "é" 日本 🐳 ~!@#$%^&*()_+{}|:<>?`-=[];\',./';
    expect(escapeText(text)).toBe(text);
    expect(escapeText('\u00a0\u00ff\u0100')).toBe('\u00a0\u00ff\u0100');
  });

  it('leaves no unsafe code point, and is idempotent', () => {
    const escaped = escapeText(ALL_UNSAFE);
    expect(escaped).not.toMatch(RAW);
    expect(escaped).toMatch(/^[\x20-\x7e]+$/);
    expect(escapeText(escaped)).toBe(escaped);
    for (const code of UNSAFE)
      expect(escapeText(String.fromCodePoint(code)), code.toString(16)).not.toMatch(RAW);
  });
});

describe('escapeLines', () => {
  it('keeps the newlines between lines and escapes the rest', () => {
    expect(escapeLines('one\x1b[1A\ntwo\t\u202e\n')).toBe('one\\x1b[1A\ntwo\\t\\u202e\n');
  });
});

describe('printable', () => {
  it('escapes and caps the length', () => {
    expect(printable('\x1b'.repeat(10), 3)).toBe('\\x1b\\x1b\\x1b…');
    expect(printable('short')).toBe('short');
  });
});

describe('escapeJson', () => {
  it('rewrites DEL, C1 and bidi controls in JSON as \\u escapes: valid, same value', () => {
    const value = { arch: `x${ALL_UNSAFE}y`, ['k\u202e']: ['\u009b', 'é'] };
    const json = escapeJson(JSON.stringify(value, null, 2));
    // Only the layout newlines of the pretty-printed JSON remain as raw control characters.
    expect(json.replace(/\n/g, '')).not.toMatch(RAW);
    expect(json).toContain('\\u202e');
    expect(json).toContain('\\u009b');
    expect(JSON.parse(json)).toEqual(value);
  });
});
