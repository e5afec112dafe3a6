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

  it('reads lockfile v1 (npm 5/6): top-level `dependencies` by name, nested ones skipped', () => {
    const v1 = JSON.stringify(
      {
        name: 'app',
        lockfileVersion: 1,
        requires: true,
        dependencies: {
          express: { version: '4.18.2', requires: { 'body-parser': '1.20.1' } },
          jest: {
            version: '29.7.0',
            dev: true,
            dependencies: { 'nested-dev': { version: '1.0.0', dev: true } },
          },
          fsevents: { version: '2.3.3', dev: true, optional: true },
        },
      },
      null,
      2,
    );
    expect(parseHiddenLockfile(v1)).toEqual({
      dev: { jest: '29.7.0', fsevents: '2.3.3' },
      other: ['express'],
      complete: true,
    });
    const cut = parseHiddenLockfile(v1.slice(0, v1.indexOf('"fsevents"') + 5));
    expect(cut).toEqual({ dev: { jest: '29.7.0' }, other: ['express'], complete: false });
  });

  it('prefers `packages` over the v1 `dependencies` a v2 lockfile also carries', () => {
    const v2 = JSON.stringify({
      lockfileVersion: 2,
      packages: { '': { name: 'app' }, 'node_modules/jest': { version: '29.7.0', dev: true } },
      dependencies: { jest: { version: '29.7.0' } },
    });
    expect(parseHiddenLockfile(v2)).toEqual({ dev: { jest: '29.7.0' }, other: [], complete: true });
  });

  it('returns nothing for garbage or documents without packages', () => {
    expect(parseHiddenLockfile('not json')).toEqual({ dev: {}, other: [], complete: false });
    expect(parseHiddenLockfile('{"lockfileVersion": 1}')).toEqual({ dev: {}, other: [], complete: true });
    expect(parseHiddenLockfile('[]')).toEqual({ dev: {}, other: [], complete: true });
  });
});
