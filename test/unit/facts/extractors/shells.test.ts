import { describe, expect, it } from 'vitest';
import { shells } from '../../../../src/facts/extractors/shells.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import { baseLayerFiles, buildLayerFiles, elf, exe, INSTALL_STEP } from './tool-fixtures.js';

describe('shells extractor', () => {
  it('finds bash, dash and sh → dash in a Debian-like image', async () => {
    const image = await buildImage({
      layers: [{ files: baseLayerFiles() }, { files: buildLayerFiles(), createdBy: INSTALL_STEP }],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.shells?.map((t) => [t.name, t.kind])).toEqual([
      ['bash', 'bash'],
      ['dash', 'dash'],
      ['sh', 'dash'],
    ]);
    const sh = facts.shells?.find((t) => t.name === 'sh');
    expect(sh?.evidence).toEqual([
      expect.objectContaining({
        kind: 'file',
        path: '/bin/sh',
        layer: 0,
        layerDigest: image.layers[0].digest,
        state: 'present',
        detail: 'symlink to dash → /bin/dash (ELF executable, dash)',
      }),
      expect.objectContaining({ kind: 'file', path: '/bin/dash', layer: 0, package: 'dash' }),
    ]);
    const bash = facts.shells?.find((t) => t.name === 'bash');
    expect(bash?.evidence).toEqual([
      expect.objectContaining({
        kind: 'file',
        path: '/bin/bash',
        layer: 0,
        package: 'bash',
        detail: 'ELF executable',
      }),
      expect.objectContaining({
        kind: 'package',
        path: '/var/lib/dpkg/status',
        layer: 0,
        package: 'bash',
        state: 'present',
      }),
    ]);
    const findings = shells.findings(facts);
    expect(findings.map((f) => [f.check, f.severity, f.category])).toEqual([
      ['shell-present', 'medium', 'Shells'],
      ['shell-present', 'medium', 'Shells'],
      ['shell-present', 'medium', 'Shells'],
    ]);
    expect(findings[2].message).toBe('sh (dash): /bin/sh, /bin/dash');
  });

  it('reports busybox and its sh applet symlink', async () => {
    const image = await buildImage({
      layers: [{ files: [exe('bin/busybox'), { path: 'bin/sh', type: 'symlink', target: '/bin/busybox' }] }],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.shells?.map((t) => [t.name, t.kind])).toEqual([
      ['busybox', 'busybox'],
      ['sh', 'busybox'],
    ]);
    expect(facts.shells?.[1].evidence).toEqual([
      expect.objectContaining({
        path: '/bin/sh',
        layer: 0,
        state: 'present',
        detail: 'symlink to /bin/busybox (ELF executable, busybox)',
      }),
      expect.objectContaining({
        path: '/bin/busybox',
        layer: 0,
        detail: 'ELF executable, target of /bin/sh',
      }),
    ]);
  });

  it('reports busybox applets written as hard links (the busybox image layout)', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            { path: 'bin/[', content: elf('busybox'), mode: 0o755 },
            { path: 'bin/busybox', type: 'hardlink', target: 'bin/[' },
            { path: 'bin/sh', type: 'hardlink', target: 'bin/[' },
            { path: 'bin/ash', type: 'hardlink', target: 'bin/[' },
          ],
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.shells?.map((t) => [t.name, t.kind])).toEqual([
      ['ash', 'ash'],
      ['busybox', 'busybox'],
      ['sh', 'busybox'],
    ]);
    expect(facts.shells?.find((t) => t.name === 'sh')?.evidence).toEqual([
      expect.objectContaining({
        path: '/bin/sh',
        layer: 0,
        state: 'present',
        detail: 'hardlink to /bin/[ (ELF executable, busybox)',
      }),
      expect.objectContaining({
        path: '/bin/[',
        layer: 0,
        state: 'present',
        detail: 'ELF executable, target of /bin/sh',
      }),
    ]);
  });

  it('resolves dpkg ownership in a usr-merged image (dpkg lists /bin/bash, the file is /usr/bin/bash)', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            { path: 'bin', type: 'symlink', target: 'usr/bin' },
            exe('usr/bin/bash'),
            { path: 'var/lib/dpkg/info/bash.list', content: '/.\n/bin\n/bin/bash\n' },
          ],
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.shells).toEqual([
      {
        name: 'bash',
        kind: 'bash',
        evidence: [expect.objectContaining({ path: '/usr/bin/bash', package: 'bash', state: 'present' })],
      },
    ]);
  });

  it('finds nothing in a distroless-like image', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            {
              path: 'var/lib/dpkg/status.d/base-files',
              content: 'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n',
            },
            { path: 'var/lib/dpkg/status.d/base-files.md5sums', content: 'abc  etc/debian_version\n' },
            {
              path: 'etc/passwd',
              content:
                'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n',
            },
            exe('app/server'),
          ],
        },
      ],
      config: { User: '65532' },
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.shells).toEqual([]);
    expect(facts.compilers).toEqual([]);
    expect(facts.packageManagers).toEqual([]);
    expect(facts.packages?.items.map((p) => [p.name, p.version, p.evidence.path])).toEqual([
      ['base-files', '12.4+deb12u5', '/var/lib/dpkg/status.d/base-files'],
    ]);
    expect(facts.packages?.unread).toEqual([]);
  });
});
