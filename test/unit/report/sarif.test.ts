import { describe, expect, it } from 'vitest';
import type { CheckDefinition } from '../../../src/facts/checks.js';
import type { ImageFacts } from '../../../src/facts/image-facts.js';
import { renderSarif } from '../../../src/report/sarif.js';
import type { ScanReport } from '../../../src/report/scan-report.js';
import { expectValidSarif } from '../../support/sarif-schema.js';

const checks: CheckDefinition[] = [
  {
    id: 'compiler-present',
    title: 'Compiler present',
    severity: 'high',
    category: 'Compilers',
    description: 'd',
  },
  { id: 'root-user', title: 'Runs as root', severity: 'high', category: 'User', description: 'd' },
];

const report: ScanReport = {
  schemaVersion: 1,
  image: {
    reference: 'r/app:1',
    source: 'registry',
    skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
  },
  platforms: [
    {
      platform: 'linux/amd64',
      manifestDigest: `sha256:${'1'.repeat(64)}`,
      facts: { image: { configDigest: `sha256:${'2'.repeat(64)}` } } as ImageFacts,
      findings: [
        {
          check: 'compiler-present',
          severity: 'high',
          category: 'Compilers',
          message: 'gcc (package gcc-12)',
          evidence: [
            {
              kind: 'file',
              path: '/usr/bin/gcc 12',
              layer: 1,
              layerDigest: 'sha256:ab',
              state: 'present',
              package: 'gcc-12',
            },
            {
              kind: 'history',
              path: 'history[1]',
              layer: 1,
              state: 'present',
              detail: 'apt-get install gcc',
            },
          ],
        },
        {
          check: 'root-user',
          severity: 'high',
          category: 'User',
          message: 'runs as root (USER not set)',
          evidence: [{ kind: 'config', path: 'User', state: 'present' }],
        },
      ],
    },
  ],
};

describe('renderSarif', () => {
  const log = JSON.parse(renderSarif(report, checks, '1.2.3')) as {
    runs: Array<{ results: Array<Record<string, unknown>>; tool: { driver: { version: string } } }>;
  };

  it('produces valid SARIF 2.1.0', () => {
    expectValidSarif(log);
    expect(log.runs[0].tool.driver.version).toBe('1.2.3');
  });

  it('locates file evidence by image path with the layer, and config evidence logically', () => {
    const [compiler, root] = log.runs[0].results;
    expect(compiler).toMatchObject({ ruleId: 'compiler-present', ruleIndex: 0, level: 'error' });
    expect(compiler.locations).toEqual([
      {
        physicalLocation: { artifactLocation: { uri: 'usr/bin/gcc%2012', uriBaseId: 'IMAGEROOT' } },
        properties: {
          evidenceKind: 'file',
          state: 'present',
          layer: 1,
          layerDigest: 'sha256:ab',
          package: 'gcc-12',
        },
      },
      {
        logicalLocations: [{ name: 'history[1]', kind: 'module' }],
        message: { text: 'apt-get install gcc' },
        properties: { evidenceKind: 'history', state: 'present', layer: 1 },
      },
    ]);
    expect(root.locations).toEqual([
      {
        logicalLocations: [{ name: 'User', kind: 'member' }],
        properties: { evidenceKind: 'config', state: 'present' },
      },
    ]);
  });

  it('is rejected by the validator when broken', () => {
    expect(() => expectValidSarif({ version: '2.0.0', runs: [] })).toThrow(/version/);
    expect(() => expectValidSarif({ ...log, runs: [{ results: [] }] })).toThrow(/tool/);
  });
});
