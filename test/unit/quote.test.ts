import { describe, expect, it } from 'vitest';
import { describeType, quote } from '../../src/quote.js';

describe('quote', () => {
  it('quotes short strings as they are', () => {
    expect(quote('team/app')).toBe('"team/app"');
  });

  it('truncates long strings', () => {
    const quoted = quote('a'.repeat(10_000));
    expect(quoted).toBe(`"${'a'.repeat(80)}"…`);
    expect(quote('abcdef', 3)).toBe('"abc"…');
  });

  it('escapes control characters, quotes, backslashes, bidi overrides and non-ASCII', () => {
    expect(quote('a\nb\u001b[31m"\\')).toBe('"a\\nb\\x1b[31m\\"\\\\"');
    expect(quote('\u202egnp.exe')).toBe('"\\u202egnp.exe"');
    expect(quote('é')).toBe('"\\u00e9"');
    expect(quote('x\u2028y')).not.toMatch(/[^\x20-\x7e]/);
  });

  it('describes non-strings by type, never by value', () => {
    expect(quote(42)).toBe('a number');
    expect(quote({ secret: 'hunter2' })).toBe('an object');
    expect(quote(['hunter2'])).toBe('an array');
    expect(quote(null)).toBe('null');
    expect(quote(undefined)).toBe('missing');
    expect(quote(true)).toBe('a boolean');
    expect(describeType('x')).toBe('a string');
  });
});
