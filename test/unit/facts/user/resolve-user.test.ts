import { describe, expect, it } from 'vitest';
import { parseGroup, parsePasswd } from '../../../../src/facts/user/passwd.js';
import { resolveUser, type ResolvedUser } from '../../../../src/facts/user/resolve-user.js';

const PASSWD = parsePasswd(
  [
    'root:x:0:0:root:/root:/bin/sh',
    'toor:x:0:0:second root:/root:/bin/sh',
    'app:x:1000:1000::/home/app:/bin/sh',
    'rooty:x:1001:0::/home/rooty:/bin/sh',
    'member:x:1002:1002::/:/bin/sh',
    '2000:x:3000:3000:numeric name::',
  ].join('\n'),
);
const GROUP = parseGroup(['root:x:0:member', 'app:x:1000:', 'staff:x:50:app'].join('\n'));

type Expected = Partial<Omit<ResolvedUser, 'reason' | 'passwdMatch'>>;

const CASES: Array<[string | null, Expected]> = [
  [null, { explicit: false, root: true, uid: 0, gid: 0, name: 'root', unknownName: false }],
  ['', { explicit: false, root: true, uid: 0, gid: 0, name: 'root' }],
  ['root', { explicit: true, root: true, uid: 0, gid: 0, name: 'root' }],
  ['0', { explicit: true, root: true, uid: 0, gid: 0, name: 'root' }],
  ['0:0', { explicit: true, root: true, uid: 0, gid: 0, rootGroup: false }],
  ['root:root', { explicit: true, root: true, uid: 0, gid: 0 }],
  ['+0', { root: true, uid: 0 }],
  ['toor', { root: true, uid: 0, name: 'toor' }],
  ['app', { root: false, uid: 1000, gid: 1000, name: 'app', rootGroup: false, supplementaryGids: [50] }],
  ['1000', { root: false, uid: 1000, gid: 1000, name: 'app' }],
  ['app:staff', { root: false, uid: 1000, gid: 50, supplementaryGids: [] }],
  ['app:4242', { root: false, uid: 1000, gid: 4242 }],
  ['1000:0', { root: false, uid: 1000, gid: 0, rootGroup: true }],
  ['app:root', { root: false, uid: 1000, gid: 0, rootGroup: true }],
  ['rooty', { root: false, uid: 1001, gid: 0, rootGroup: true }],
  ['member', { root: false, uid: 1002, gid: 1002, rootGroup: true, supplementaryGids: [0] }],
  ['member:1002', { rootGroup: false, supplementaryGids: [] }],
  ['4000', { root: false, uid: 4000, gid: 0, name: null, rootGroup: false, unknownName: false }],
  ['4000:4000', { root: false, uid: 4000, gid: 4000, rootGroup: false }],
  // A numeric USER is always a UID, even when an account is named like that number.
  ['2000', { uid: 2000, name: null }],
  ['ghost', { root: false, unknownName: true, name: 'ghost', uid: null }],
  ['app:ghosts', { root: false, unknownName: true, uid: 1000 }],
  ['-1', { unknownName: true, root: false }],
  ['2147483648', { unknownName: true }],
  ['1000:-5', { unknownName: true }],
  [':50', { explicit: true, root: true, uid: 0, gid: 50 }],
];

describe('resolveUser with /etc/passwd and /etc/group', () => {
  it.each(CASES)('USER %j', (configured, expected) => {
    const resolved = resolveUser(configured, PASSWD, GROUP);
    expect(resolved).toMatchObject(expected);
    expect(resolved.reason.length).toBeGreaterThan(10);
  });

  it('says why a name cannot be resolved', () => {
    expect(resolveUser('ghost', PASSWD, GROUP).reason).toMatch(/no account named "ghost".*refuses to start/);
    expect(resolveUser('app:ghosts', PASSWD, GROUP).reason).toMatch(/no group named "ghosts"/);
  });

  it('says root is implicit when USER is unset', () => {
    expect(resolveUser(null, PASSWD, GROUP).reason).toMatch(/not set.*root/);
  });

  it('names the runtime default GID for a numeric UID without an entry', () => {
    expect(resolveUser('4000', PASSWD, GROUP).reason).toMatch(/GID 0 by runtime default/);
  });
});

describe('resolveUser without account files (scratch, distroless static)', () => {
  it.each<[string | null, Expected]>([
    [null, { root: true, uid: 0, gid: 0, name: null, unknownName: false }],
    ['0', { root: true, uid: 0 }],
    ['65532', { root: false, uid: 65532, gid: 0, rootGroup: false, unknownName: false }],
    ['65532:65532', { root: false, uid: 65532, gid: 65532, unknownName: false }],
    // Names need /etc/passwd: even root cannot be resolved, and the container does not start.
    ['root', { root: false, unknownName: true }],
    ['nonroot', { unknownName: true }],
    ['65532:nonroot', { unknownName: true, uid: 65532 }],
  ])('USER %j', (configured, expected) => {
    expect(resolveUser(configured, undefined, undefined)).toMatchObject(expected);
  });

  it('says the image has no /etc/passwd', () => {
    expect(resolveUser('nonroot', undefined, undefined).reason).toMatch(/no \/etc\/passwd/);
  });
});
