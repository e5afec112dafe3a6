import { describe, expect, it } from 'vitest';
import { packageManagers } from '../../../../src/facts/extractors/package-managers.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import { baseLayerFiles, buildLayerFiles, exe, INSTALL_STEP, script } from './tool-fixtures.js';

describe('package managers extractor', () => {
  it('finds apt, apt-get and dpkg with package and file evidence', async () => {
    const image = await buildImage({
      layers: [{ files: baseLayerFiles() }, { files: buildLayerFiles(), createdBy: INSTALL_STEP }],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.packageManagers?.map((t) => [t.name, t.kind])).toEqual([
      ['apt', 'deb'],
      ['apt-get', 'deb'],
      ['dpkg', 'deb'],
    ]);
    expect(facts.packageManagers?.[1].evidence).toEqual([
      expect.objectContaining({
        kind: 'file',
        path: '/usr/bin/apt-get',
        layer: 0,
        package: 'apt',
        state: 'present',
      }),
      expect.objectContaining({
        kind: 'package',
        package: 'apt',
        layer: 0,
        detail: 'dpkg package apt 2.6.1',
      }),
    ]);
    const findings = packageManagers.findings(facts);
    expect(findings.map((f) => [f.check, f.severity])).toEqual([
      ['package-manager-present', 'medium'],
      ['package-manager-present', 'medium'],
      ['package-manager-present', 'medium'],
    ]);
    expect(findings[2].message).toBe('dpkg (deb): /usr/bin/dpkg; package dpkg 1.21.22');
  });

  it('finds apk from the apk database and /sbin/apk', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            {
              path: 'lib/apk/db/installed',
              content:
                'P:apk-tools\nV:2.14.4-r0\nA:x86_64\no:apk-tools\nF:sbin\nR:apk\n\nP:musl\nV:1.2.4-r2\n',
            },
            exe('sbin/apk'),
          ],
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.packageManagers).toEqual([
      {
        name: 'apk',
        kind: 'apk',
        evidence: [
          expect.objectContaining({
            kind: 'file',
            path: '/sbin/apk',
            package: 'apk-tools',
            state: 'present',
          }),
          expect.objectContaining({ kind: 'package', path: '/lib/apk/db/installed', package: 'apk-tools' }),
        ],
      },
    ]);
  });

  it('finds language package managers by their scripts and links, and keeps a deleted copy as evidence', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            exe('usr/local/lib/node_modules/npm/bin/npm-cli.js', script('/usr/bin/env node')),
            { path: 'usr/local/bin/npm', type: 'symlink', target: '../lib/node_modules/npm/bin/npm-cli.js' },
            exe('usr/local/bin/pip3.11', script('/usr/local/bin/python3.11')),
            exe('usr/local/bin/yarnpkg', script('/usr/bin/env node')),
            exe('usr/local/bin/poetry', script('/usr/bin/python3')),
          ],
        },
        {
          files: [{ path: 'usr/local/bin/poetry', type: 'whiteout' }],
          createdBy: '/bin/sh -c rm /usr/local/bin/poetry',
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.packageManagers?.map((t) => [t.name, t.kind])).toEqual([
      ['npm', 'node'],
      ['pip', 'python'],
      ['yarn', 'node'],
    ]);
    expect(facts.packageManagers?.[0].evidence).toEqual([
      expect.objectContaining({
        path: '/usr/local/bin/npm',
        detail:
          'symlink to ../lib/node_modules/npm/bin/npm-cli.js → /usr/local/lib/node_modules/npm/bin/npm-cli.js (executable)',
      }),
      expect.objectContaining({ path: '/usr/local/lib/node_modules/npm/bin/npm-cli.js' }),
    ]);
  });

  it('keeps deleted binaries as evidence of a tool still present by another copy', async () => {
    const image = await buildImage({
      layers: [
        { files: [exe('usr/bin/pip'), exe('usr/local/bin/pip')] },
        { files: [{ path: 'usr/bin/pip', type: 'whiteout' }], createdBy: '/bin/sh -c rm /usr/bin/pip' },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.packageManagers?.[0].evidence).toEqual([
      expect.objectContaining({ path: '/usr/bin/pip', layer: 0, state: 'deleted', byLayer: 1 }),
      expect.objectContaining({ path: '/usr/local/bin/pip', layer: 0, state: 'present' }),
    ]);
  });
});
