import { describe, expect, it } from 'vitest';
import type { ReportFinding } from '../../../src/facts/checks.js';
import type { ImageFacts } from '../../../src/facts/image-facts.js';
import { buildDiffReport } from '../../../src/report/diff-report.js';
import type { ScanReport } from '../../../src/report/scan-report.js';

function packageFinding(pkg: string): ReportFinding {
  return {
    check: 'compiler-present',
    severity: 'high',
    category: 'Compilers and build toolchains',
    message: `${pkg} (c)`,
    evidence: [{ kind: 'package', path: '/var/lib/dpkg/status', state: 'present', package: pkg }],
  };
}

function report(platform: string, findings: ReportFinding[], layers: string[]): ScanReport {
  const facts = {
    image: { configDigest: `sha256:${platform}` },
    totals: {
      layerCount: layers.length,
      compressedSize: 10,
      uncompressedSize: 20,
      fileCount: 1,
      finalBytes: 5,
      wastedBytes: 0,
    },
    layers: layers.map((digest, index) => ({ index, digest, compressedSize: 1, uncompressedSize: 2 })),
  } as unknown as ImageFacts;
  return {
    schemaVersion: 1,
    image: {
      reference: platform,
      source: 'oci',
      skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
    },
    platforms: [{ platform, facts, findings }],
  };
}

describe('buildDiffReport', () => {
  it('tells findings apart by check, evidence path and package (one database, many packages)', () => {
    const diff = buildDiffReport(
      report(
        'linux/amd64',
        [packageFinding('build-essential'), packageFinding('cpp-12')],
        ['sha256:a', 'sha256:b'],
      ),
      report('linux/amd64', [packageFinding('cpp-12'), packageFinding('gcc-12')], ['sha256:a', 'sha256:c']),
    );
    const [p] = diff.platforms;
    expect(p.findings.removed.map((f) => f.package)).toEqual(['build-essential']);
    expect(p.findings.added.map((f) => f.package)).toEqual(['gcc-12']);
    expect(p.findings.unchanged).toBe(1);
    expect(p.layers).toMatchObject({ shared: 1, count: { before: 2, after: 2, delta: 0 } });
    expect(p.layers.removed.map((l) => l.digest)).toEqual(['sha256:b']);
    expect(p.layers.added.map((l) => l.digest)).toEqual(['sha256:c']);
    expect(p.savings).toBeNull();
  });

  it('pairs two single-platform images whatever their platforms', () => {
    const diff = buildDiffReport(report('linux/amd64', [], []), report('linux/arm64', [], []));
    expect(diff.platforms).toHaveLength(1);
    expect(diff.platforms[0].before?.platform).toBe('linux/amd64');
    expect(diff.platforms[0].after?.platform).toBe('linux/arm64');
  });
});
