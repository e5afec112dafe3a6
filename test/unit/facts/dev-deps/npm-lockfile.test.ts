import { describe, expect, it } from 'vitest';
import { parseHiddenLockfile } from '../../../../src/facts/dev-deps/npm-lockfile.js';

const LOCK = JSON.stringify(
  {
    name: 'app',
    lockfileVersion: 3,
    packages: {
      'node_modules/jest': { version: '29.7.0', dev: true, dependencies: { a: '1' } },
      'node_modules/@babel/core': { version: '7.23.0', dev: true },
      'node_modules/express': { version: '4.18.2' },
      'node_modules/fsevents': { version: '2.3.3', devOptional: true },
      'node_modules/jest/node_modules/ansi': { version: '1.0.0', dev: true },
      'node_modules/__proto__': { version: '6.6.6', dev: true },
      'node_modules/weird': 'not an object',
    },
  },
  null,
  2,
);

describe('parseHiddenLockfile', () => {
  it('splits top-level packages into dev and other; nested, devOptional and malformed entries handled', () => {
    const lock = parseHiddenLockfile(LOCK);
    expect(lock.complete).toBe(true);
    expect(Object.entries(lock.dev)).toEqual([
      ['jest', '29.7.0'],
      ['@babel/core', '7.23.0'],
      ['__proto__', '6.6.6'],
    ]);
    expect(Object.getPrototypeOf(lock.dev)).toBe(Object.prototype);
    expect(lock.other).toEqual(['express', 'fsevents']);
  });

  it('reads the entries that arrived whole from a truncated file', () => {
    const cut = LOCK.slice(0, LOCK.indexOf('"node_modules/express"') + 10);
    const lock = parseHiddenLockfile(cut);
    expect(lock.complete).toBe(false);
    expect(Object.keys(lock.dev)).toEqual(['jest', '@babel/core']);
    expect(lock.other).toEqual([]);
  });

  it('copes with braces and escapes inside strings when cut', () => {
    const text =
      '{"packages": {"node_modules/a": {"version": "1", "dev": true, "x": "}{\\"]"}, "node_modules/b": {"ver';
    expect(parseHiddenLockfile(text)).toEqual({ dev: { a: '1' }, other: [], complete: false });
  });

  it('returns nothing for garbage or documents without packages', () => {
    expect(parseHiddenLockfile('not json')).toEqual({ dev: {}, other: [], complete: false });
    expect(parseHiddenLockfile('{"lockfileVersion": 1}')).toEqual({ dev: {}, other: [], complete: true });
    expect(parseHiddenLockfile('[]')).toEqual({ dev: {}, other: [], complete: true });
  });
});
