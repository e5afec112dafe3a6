import { describe, expect, it } from 'vitest';
import { osPackages } from '../../../../src/facts/extractors/os-packages.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import { rpmdbSqlite } from '../tools/rpmdb-fixture.js';
import {
  BASE_PACKAGES,
  baseLayerFiles,
  buildLayerFiles,
  dpkgStatus,
  exe,
  INSTALL_STEP,
} from './tool-fixtures.js';

describe('os-packages extractor', () => {
  it('reads dpkg status with source packages and the layer that first listed each package', async () => {
    const image = await buildImage({
      layers: [{ files: baseLayerFiles() }, { files: buildLayerFiles(), createdBy: INSTALL_STEP }],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    const items = facts.packages?.items ?? [];
    expect(items.map((p) => [p.name, p.version, p.source ?? null, p.evidence.layer])).toEqual([
      ['apt', '2.6.1', null, 0],
      ['base-files', '12.4+deb12u5', null, 0],
      ['bash', '5.2.15-2+b2', null, 0],
      ['dash', '0.5.12-2', null, 0],
      ['dpkg', '1.21.22', null, 0],
      ['gcc', '4:12.2.0-3', 'gcc-defaults', 1],
      ['gcc-12', '12.2.0-14', null, 1],
      ['libc6-dev', '2.36-9+deb12u4', 'glibc', 1],
      ['make', '4.3-4.1', 'make-dfsg', 1],
    ]);
    expect(items.find((p) => p.name === 'make')).toEqual({
      manager: 'dpkg',
      name: 'make',
      version: '4.3-4.1',
      source: 'make-dfsg',
      architecture: 'amd64',
      evidence: {
        kind: 'package',
        path: '/var/lib/dpkg/status',
        layer: 1,
        layerDigest: image.layers[1].digest,
        createdBy: INSTALL_STEP,
        state: 'present',
        package: 'make',
        detail: 'make 4.3-4.1',
      },
    });
    expect(facts.packages?.unread).toEqual([]);
    expect(osPackages.findings(facts)).toEqual([]);
  });

  it('skips packages whose status says their files are gone', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            {
              path: 'var/lib/dpkg/status',
              content: dpkgStatus([
                { name: 'kept', version: '1' },
                { name: 'purged-config', version: '2', status: 'deinstall ok config-files' },
                { name: 'unpacked-only', version: '3', status: 'install ok unpacked' },
              ]),
            },
          ],
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expect(facts.packages?.items.map((p) => p.name)).toEqual(['kept', 'unpacked-only']);
  });

  it('marks packages removed by a later layer, and every package of a deleted database', async () => {
    const image = await buildImage({
      layers: [
        { files: baseLayerFiles() },
        { files: buildLayerFiles(), createdBy: INSTALL_STEP },
        {
          files: [{ path: 'var/lib/dpkg/status', content: dpkgStatus(BASE_PACKAGES) }],
          createdBy: '/bin/sh -c apt-get purge -y gcc-12 gcc make libc6-dev',
        },
        { files: [{ path: 'var/lib/dpkg', type: 'whiteout' }], createdBy: '/bin/sh -c rm -rf /var/lib/dpkg' },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    const byName = new Map(facts.packages?.items.map((p) => [p.name, p.evidence]));
    expect(byName.get('gcc-12')).toMatchObject({
      layer: 1,
      state: 'deleted',
      byLayer: 2,
      detail: 'gcc-12 12.2.0-14: no longer listed by the copy of /var/lib/dpkg/status in layer 2',
    });
    expect(byName.get('bash')).toMatchObject({
      layer: 0,
      state: 'deleted',
      byLayer: 3,
      detail: 'bash 5.2.15-2+b2: /var/lib/dpkg/status deleted by layer 3; files may remain',
    });
    expect(facts.packages?.items.every((p) => p.evidence.state === 'deleted')).toBe(true);
    // Binaries outlive the database: the shells are still found from the files.
    expect(facts.shells?.map((t) => t.name)).toEqual(['bash', 'dash', 'sh']);
    expect(facts.shells?.[0].evidence).toEqual([
      expect.objectContaining({ kind: 'file', path: '/bin/bash', state: 'present' }),
      expect.objectContaining({ kind: 'package', package: 'bash', state: 'deleted', byLayer: 3 }),
    ]);
  });

  it('reads apk installed with origins', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            {
              path: 'lib/apk/db/installed',
              content:
                'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n\nP:busybox-binsh\nV:1.36.1-r15\nA:x86_64\no:busybox\nF:bin\nR:sh\n\n',
            },
          ],
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(
      facts.packages?.items.map((p) => [p.manager, p.name, p.version, p.source ?? null, p.architecture]),
    ).toEqual([
      ['apk', 'busybox-binsh', '1.36.1-r15', 'busybox', 'x86_64'],
      ['apk', 'musl', '1.2.4-r2', null, 'x86_64'],
    ]);
  });

  it('reads rpmdb.sqlite (with overflow pages and an interior b-tree) and lists rpm databases it cannot read', async () => {
    const many = Array.from({ length: 150 }, (_, i) => ({
      name: `lib${i}`,
      version: '1.0',
      release: `${i}.el9`,
      arch: 'x86_64',
    }));
    const sqlite = await rpmdbSqlite([
      {
        name: 'gcc',
        version: '11.4.1',
        release: '3.el9',
        arch: 'x86_64',
        sourceRpm: 'gcc-11.4.1-3.el9.src.rpm',
        padding: 20_000,
      },
      {
        name: 'bash',
        version: '5.1.8',
        release: '9.el9',
        arch: 'x86_64',
        sourceRpm: 'bash-5.1.8-9.el9.src.rpm',
      },
      {
        name: 'shadow-utils',
        version: '4.9',
        release: '8.el9',
        epoch: 2,
        arch: 'x86_64',
        sourceRpm: 'shadow-utils-4.9-8.el9.src.rpm',
      },
      { name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' },
      ...many,
    ]);
    const image = await buildImage({
      layers: [
        {
          files: [
            { path: 'var/lib/rpm/rpmdb.sqlite', content: sqlite },
            { path: 'var/lib/rpm/rpmdb.sqlite-wal', content: '' },
            { path: 'usr/share/rpm/Packages', content: Buffer.alloc(8192) },
            { path: 'usr/lib/sysimage/rpm/Packages.db', content: Buffer.alloc(4096) },
            exe('usr/bin/rpm'),
          ],
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    const items = facts.packages?.items ?? [];
    expect(items).toHaveLength(153);
    expect(items.find((p) => p.name === 'gcc')).toMatchObject({
      manager: 'rpm',
      version: '11.4.1-3.el9',
      architecture: 'x86_64',
      evidence: { path: '/var/lib/rpm/rpmdb.sqlite', layer: 0, state: 'present' },
    });
    expect(items.find((p) => p.name === 'gcc')?.source).toBeUndefined();
    expect(items.find((p) => p.name === 'shadow-utils')?.version).toBe('2:4.9-8.el9');
    expect(items.find((p) => p.name === 'lib149')?.version).toBe('1.0-149.el9');
    expect(items.some((p) => p.name === 'gpg-pubkey')).toBe(false);
    expect(facts.packages?.unread.map((u) => [u.path, u.format])).toEqual([
      ['/usr/lib/sysimage/rpm/Packages.db', 'rpm-ndb'],
      ['/usr/share/rpm/Packages', 'rpm-bdb'],
    ]);
    const findings = osPackages.findings(facts);
    expect(findings.map((f) => [f.check, f.severity, f.message])).toEqual([
      [
        'package-database-unread',
        'info',
        '/usr/lib/sysimage/rpm/Packages.db (rpm-ndb) not read: rpm NDB databases are not read',
      ],
      [
        'package-database-unread',
        'info',
        '/usr/share/rpm/Packages (rpm-bdb) not read: rpm BerkeleyDB databases are not read',
      ],
    ]);
    expect(findings[1].evidence).toEqual([
      expect.objectContaining({
        path: '/usr/share/rpm/Packages',
        layer: 0,
        layerDigest: image.layers[0].digest,
        state: 'present',
      }),
    ]);
    expect(facts.compilers?.map((t) => t.name)).toEqual(['gcc']);
    expect(facts.shells?.map((t) => t.name)).toEqual(['bash']);
    expect(facts.packageManagers?.map((t) => t.name)).toEqual(['rpm']);
  });

  it('reports a database cut by the per-file content cap, and a corrupt one, as unread', async () => {
    const sqlite = await rpmdbSqlite([
      { name: 'bash', version: '5.1.8', release: '9.el9', arch: 'x86_64', padding: 9000 },
    ]);
    const cut = await scanBuiltImage(
      await buildImage({ layers: [{ files: [{ path: 'var/lib/rpm/rpmdb.sqlite', content: sqlite }] }] }),
      { limits: { maxContentBytesPerFile: sqlite.length - 1 } },
    );
    expectValidFacts(cut.facts);
    expect(cut.facts.packages?.items).toEqual([]);
    expect(cut.facts.packages?.unread).toEqual([
      expect.objectContaining({
        path: '/var/lib/rpm/rpmdb.sqlite',
        format: 'rpm-sqlite',
        reason: `only the first ${sqlite.length - 1} of ${sqlite.length} bytes were read (per-file content cap); a cut SQLite file cannot be read`,
      }),
    ]);

    const corrupt = Buffer.from(sqlite);
    // The b-tree page header of page 1 (sqlite_master): an unknown page type.
    corrupt.fill(0xff, 100, 112);
    const broken = await scanBuiltImage(
      await buildImage({
        layers: [{ files: [{ path: 'usr/lib/sysimage/rpm/rpmdb.sqlite', content: corrupt }] }],
      }),
    );
    expectValidFacts(broken.facts);
    expect(broken.facts.packages?.items).toEqual([]);
    expect(broken.facts.packages?.unread).toEqual([
      expect.objectContaining({
        path: '/usr/lib/sysimage/rpm/rpmdb.sqlite',
        format: 'rpm-sqlite',
        reason: '/usr/lib/sysimage/rpm/rpmdb.sqlite has page 1 of type 255 in a table b-tree',
      }),
    ]);
  });
});
