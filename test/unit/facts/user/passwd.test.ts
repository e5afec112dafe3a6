import { describe, expect, it } from 'vitest';
import { parseGroup, parsePasswd, runtimeAtoi } from '../../../../src/facts/user/passwd.js';

describe('parsePasswd', () => {
  it('reads name, uid and gid of every non-empty line', () => {
    const text =
      'root:x:0:0:root:/root:/bin/bash\n\n  app:x:1000:1000::/home/app:/bin/sh  \nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin';
    expect(parsePasswd(text)).toEqual([
      { name: 'root', uid: 0, gid: 0 },
      { name: 'app', uid: 1000, gid: 1000 },
      { name: 'nobody', uid: 65534, gid: 65534 },
    ]);
  });

  it('reads malformed numeric fields as 0, as the runtime does', () => {
    expect(parsePasswd('weird:x:abc:\nshort\n')).toEqual([
      { name: 'weird', uid: 0, gid: 0 },
      { name: 'short', uid: 0, gid: 0 },
    ]);
  });
});

describe('parseGroup', () => {
  it('reads members', () => {
    expect(parseGroup('root:x:0:\nstaff:x:50:app,web\n')).toEqual([
      { name: 'root', gid: 0, members: [] },
      { name: 'staff', gid: 50, members: ['app', 'web'] },
    ]);
  });
});

describe('runtimeAtoi', () => {
  it.each([
    ['0', 0],
    ['+7', 7],
    ['007', 7],
    ['-1', -1],
    ['1e3', 0],
    ['', 0],
    [' 1', 0],
  ])('%j → %d', (text, value) => expect(runtimeAtoi(text)).toBe(value));
});
