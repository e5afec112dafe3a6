import { describe, expect, it } from 'vitest';

import { findRawControl, findStackTrace, showEscaped } from './output-checks.js';

describe('the catalogue output checks', () => {
  it.each([
    ['ESC (C0)', 'Platform linux/amd64\u001b[32m'],
    ['BEL (C0)', 'title\u0007'],
    ['NUL (C0)', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['CSI (C1)', 'a\u009b31mb'],
    ['NEL (C1)', 'a\u0085b'],
    ['RLO (bidi override)', 'evil\u202etxt.exe'],
    ['LRE (bidi embedding)', 'a\u202ab'],
    ['LRI (bidi isolate)', 'a\u2066b'],
    ['PDI (bidi isolate)', 'a\u2069b'],
  ])('flags %s', (_name, text) => {
    expect(findRawControl(text)).toBeDefined();
    expect(findRawControl(showEscaped(text))).toBeUndefined();
  });

  it('lets through tab, newline, carriage return and printable Unicode', () => {
    expect(findRawControl('a\tb\r\nc é ü 日本 \u00a0 \u200b ✓\n')).toBeUndefined();
  });

  it('flags a V8 stack trace and JavaScript error names, not ordinary messages', () => {
    expect(
      findStackTrace('pushgate: boom\n    at configSection (/src/facts/gather-facts.ts:256:24)\n'),
    ).toBeDefined();
    expect(findStackTrace('pushgate: boom\n    at file:///src/cli/main.ts:10:3\n')).toBeDefined();
    expect(findStackTrace('pushgate: TypeError: (c.Env ?? []).map is not a function')).toBeDefined();
    expect(findStackTrace('pushgate: RangeError: Maximum call stack size exceeded')).toBeDefined();
    expect(
      findStackTrace(
        'pushgate: image.tar: manifest.json is not JSON: Unexpected end of JSON input [ARCHIVE_INVALID]\n',
      ),
    ).toBeUndefined();
    expect(findStackTrace('  at least one policy failed\n  FAIL  no-build-toolchain\n')).toBeUndefined();
  });
});
