import type { FactExtractor } from '../../../../src/facts/extractor.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { user } from '../../../../src/facts/extractors/user.js';
import type { ImageFacts } from '../../../../src/facts/image-facts.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import type { LayerEntry } from '../../../../src/inspect/types.js';
import { buildImage, type LayerSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'toor:x:0:0::/root:/bin/sh',
  'app:x:1000:1000::/home/app:/bin/sh',
  'rooty:x:1001:0::/home/rooty:/bin/sh',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'app:x:1000:', 'staff:x:50:', ''].join('\n');
const ACCOUNTS: LayerSpec = {
  files: [
    { path: 'etc', type: 'dir' },
    { path: 'etc/passwd', content: PASSWD },
    { path: 'etc/group', content: GROUP },
  ],
  createdBy: 'ADD rootfs.tar /',
};

async function scan(layers: LayerSpec[], userSpec?: string): Promise<ImageFacts> {
  const image = await buildImage({ layers, config: userSpec === undefined ? {} : { User: userSpec } });
  const { facts } = await scanBuiltImage(image, { extractors: [user as FactExtractor] });
  expectValidFacts(facts);
  return facts;
}

const checksOf = (facts: ImageFacts): string[] => user.findings(facts).map((f) => f.check);

describe('user extractor: every USER form through a real image scan', () => {
  const cases: Array<{
    user: string | undefined;
    root: boolean;
    explicit: boolean;
    uid: number | null;
    gid: number | null;
    name: string | null;
    checks: string[];
  }> = [
    { user: undefined, root: true, explicit: false, uid: 0, gid: 0, name: 'root', checks: ['root-user'] },
    { user: '', root: true, explicit: false, uid: 0, gid: 0, name: 'root', checks: ['root-user'] },
    { user: 'root', root: true, explicit: true, uid: 0, gid: 0, name: 'root', checks: ['root-user'] },
    { user: '0', root: true, explicit: true, uid: 0, gid: 0, name: 'root', checks: ['root-user'] },
    { user: '0:0', root: true, explicit: true, uid: 0, gid: 0, name: 'root', checks: ['root-user'] },
    { user: 'root:root', root: true, explicit: true, uid: 0, gid: 0, name: 'root', checks: ['root-user'] },
    { user: 'toor', root: true, explicit: true, uid: 0, gid: 0, name: 'toor', checks: ['root-user'] },
    { user: 'app', root: false, explicit: true, uid: 1000, gid: 1000, name: 'app', checks: [] },
    { user: 'app:staff', root: false, explicit: true, uid: 1000, gid: 50, name: 'app', checks: [] },
    {
      user: '1000:0',
      root: false,
      explicit: true,
      uid: 1000,
      gid: 0,
      name: 'app',
      checks: ['root-group-user'],
    },
    {
      user: 'rooty',
      root: false,
      explicit: true,
      uid: 1001,
      gid: 0,
      name: 'rooty',
      checks: ['root-group-user'],
    },
    { user: '4242', root: false, explicit: true, uid: 4242, gid: 0, name: null, checks: [] },
    {
      user: 'ghost',
      root: false,
      explicit: true,
      uid: null,
      gid: null,
      name: 'ghost',
      checks: ['unknown-user'],
    },
    {
      user: 'app:ghosts',
      root: false,
      explicit: true,
      uid: 1000,
      gid: null,
      name: 'app',
      checks: ['unknown-user'],
    },
  ];

  it.each(cases)('USER $user', async (c) => {
    const facts = await scan([ACCOUNTS], c.user);
    expect(facts.user).toMatchObject({
      configured: c.user === undefined || c.user === '' ? null : c.user,
      root: c.root,
      explicit: c.explicit,
      uid: c.uid,
      gid: c.gid,
      name: c.name,
    });
    expect(checksOf(facts)).toEqual(c.checks);
  });
});

describe('user extractor: evidence and account-file layers', () => {
  let rootFacts: ImageFacts;
  beforeAll(async () => {
    rootFacts = await scan([ACCOUNTS, { files: [{ path: 'app/run', content: 'x' }] }], 'toor');
  });

  it('gives config evidence and the passwd copy that decided, with its layer', () => {
    const [finding] = user.findings(rootFacts);
    expect(finding).toMatchObject({ check: 'root-user', severity: 'high', category: 'User' });
    expect(finding.message).toMatch(/runs as root \(explicit\).*"toor".*UID 0/);
    expect(finding.evidence).toEqual([
      { kind: 'config', path: 'User', state: 'present', detail: 'USER toor' },
      {
        kind: 'file',
        path: '/etc/passwd',
        layer: 0,
        layerDigest: rootFacts.layers[0].digest,
        createdBy: 'ADD rootfs.tar /',
        state: 'present',
        detail: 'toor:x:0:0',
      },
    ]);
  });

  it('says root is implicit when USER is unset', async () => {
    const facts = await scan([ACCOUNTS]);
    const [finding] = user.findings(facts);
    expect(finding.message).toMatch(/runs as root \(implicit\)/);
    expect(finding.evidence[0]).toEqual({
      kind: 'config',
      path: 'User',
      state: 'present',
      detail: 'not set',
    });
  });

  it('uses the passwd of the final filesystem when a later layer overrides it', async () => {
    const facts = await scan(
      [
        ACCOUNTS,
        {
          files: [{ path: 'etc/passwd', content: 'root:x:0:0::/:/bin/sh\napp:x:0:0::/:/bin/sh\n' }],
          createdBy: 'RUN usermod -o -u 0 app',
        },
      ],
      'app',
    );
    expect(facts.user).toMatchObject({ root: true, uid: 0, name: 'app' });
    const [finding] = user.findings(facts);
    expect(finding.check).toBe('root-user');
    expect(finding.evidence[1]).toMatchObject({
      path: '/etc/passwd',
      layer: 1,
      layerDigest: facts.layers[1].digest,
      createdBy: 'RUN usermod -o -u 0 app',
      state: 'present',
      detail: 'app:x:0:0',
    });
  });

  it('an earlier passwd replaced later is not what decides', async () => {
    const facts = await scan(
      [
        { files: [{ path: 'etc/passwd', content: 'root:x:0:0::/:/bin/sh\napp:x:0:0::/:/bin/sh\n' }] },
        { files: [{ path: 'etc/passwd', content: 'root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n' }] },
      ],
      'app',
    );
    expect(facts.user).toMatchObject({ root: false, uid: 1000 });
    expect(user.findings(facts)).toEqual([]);
  });

  it('a passwd deleted by a later layer leaves a name unresolvable, with the deleted copy as evidence', async () => {
    const facts = await scan(
      [ACCOUNTS, { files: [{ path: 'etc/passwd', type: 'whiteout' }], createdBy: 'RUN rm /etc/passwd' }],
      'app',
    );
    expect(facts.user).toMatchObject({ root: false, unknownName: true, uid: null });
    expect(facts.user?.reason).toMatch(
      /no \/etc\/passwd.*refuses to start.*layer 0 is not in the final filesystem/,
    );
    const [finding] = user.findings(facts);
    expect(finding).toMatchObject({ check: 'unknown-user', severity: 'medium' });
    expect(finding.evidence[1]).toMatchObject({
      path: '/etc/passwd',
      layer: 0,
      state: 'deleted',
      byLayer: 1,
    });
  });

  it('follows a symlinked /etc/passwd and says when its target is not read', async () => {
    const facts = await scan(
      [
        {
          files: [
            { path: 'usr/lib/passwd', content: 'app:x:0:0::/:/bin/sh\n' },
            { path: 'etc/passwd', type: 'symlink', target: '../usr/lib/passwd' },
          ],
        },
      ],
      'app',
    );
    expect(facts.user?.unknownName).toBe(true);
    expect(facts.user?.reason).toMatch(/resolves to \/usr\/lib\/passwd, which pushgate does not read/);
  });

  it('scratch with a numeric USER and no account files: nothing to report', async () => {
    const facts = await scan([{ files: [{ path: 'app', content: '\x7fELF' }] }], '65532');
    expect(facts.user).toMatchObject({
      root: false,
      uid: 65532,
      gid: 0,
      rootGroup: false,
      unknownName: false,
    });
    expect(facts.user?.evidence).toHaveLength(1);
    expect(user.findings(facts)).toEqual([]);
  });

  it('scratch with USER root cannot start (names need /etc/passwd)', async () => {
    const facts = await scan([{ files: [{ path: 'app', content: '\x7fELF' }] }], 'root');
    expect(checksOf(facts)).toEqual(['unknown-user']);
  });

  it('root-group findings carry the group file when it decided', async () => {
    const facts = await scan([ACCOUNTS], 'app:root');
    const [finding] = user.findings(facts);
    expect(finding).toMatchObject({ check: 'root-group-user', severity: 'low' });
    expect(finding.evidence.map((e) => [e.path, e.detail])).toEqual([
      ['User', 'USER app:root'],
      ['/etc/passwd', 'app:x:1000:1000'],
      ['/etc/group', 'GID 0'],
    ]);
  });

  it('reads only the account files, with a content cap', () => {
    const entry = (path: string, type: LayerEntry['type'] = 'file'): LayerEntry => ({
      path,
      type,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: 10,
    });
    expect(user.wants(entry('etc/passwd'))).toEqual({ content: 1024 * 1024 });
    expect(user.wants(entry('etc/group'))).toEqual({ content: 1024 * 1024 });
    expect(user.wants(entry('usr/bin/passwd'))).toBe(false);
    expect(user.wants(entry('etc/passwd', 'directory'))).toBe(false);
  });
});
