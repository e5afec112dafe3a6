import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffReport } from '../../src/report/diff-report.js';
import { writeDockerArchive, writeOciLayout } from '../support/image-builder.js';
import { runCli } from '../support/run-cli.js';
import { buildMultiStageImage, buildSingleStageImage, SEED_STRIPE_KEY } from '../support/seed-images.js';
import { tempDir } from '../support/temp-dir.js';

const POLICY = `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata: { name: savings-budget }
spec:
  rules:
    - id: max-removable
      severity: medium
      message: 'removable ratio {{savings.removableRatio}} over 0.5'
      schema: { properties: { savings: { properties: { removableRatio: { maximum: 0.5 } } } } }
`;

describe('`pushgate diff` on the seed images (docker-archive and OCI layout files)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let single: string;
  let multi: string;
  let policy: string;

  beforeAll(async () => {
    dir = await tempDir();
    single = join(dir.path, 'single.tar');
    multi = join(dir.path, 'multi-oci.tar');
    policy = join(dir.path, 'savings.yaml');
    await writeDockerArchive(single, await buildSingleStageImage(), ['seed/single:1']);
    await writeOciLayout(multi, await buildMultiStageImage(), { tar: true, refName: 'seed/multi:1' });
    await writeFile(policy, POLICY);
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('JSON: size, layers, savings categories and findings before and after a multi-stage rewrite', async () => {
    const result = await runCli(['diff', '-f', 'json', `docker-archive:${single}`, `oci:${multi}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DiffReport;
    expect(report.before.source).toBe('docker-archive');
    expect(report.after.source).toBe('oci');
    expect(report.platforms).toHaveLength(1);
    const [p] = report.platforms;
    expect(p.layers.count).toEqual({ before: 3, after: 2, delta: -1 });
    expect(p.layers.shared).toBe(0);
    expect(p.layers.removed).toHaveLength(3);
    expect(p.layers.added.map((l) => l.createdBy)).toEqual([
      'COPY /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ # buildkit',
      'COPY /out/server /server # buildkit',
    ]);
    const savings = p.savings;
    expect(savings).not.toBeNull();
    expect(savings?.categories.buildToolchain.before).toBeGreaterThan(4000);
    expect(savings?.categories.buildToolchain.after).toBe(0);
    expect(savings?.categories.devDependencies).toEqual({ before: 34, after: 0, delta: -34 });
    expect(savings?.removableBytes.after).toBe(0);
    expect(savings?.removableRatio.before).toBeGreaterThan(0.5);
    const removed = new Set(p.findings.removed.map((f) => `${f.check} ${f.path}`));
    expect(removed).toContain('compiler-present /usr/bin/gcc-12');
    expect(removed).toContain('multi-stage-savings /usr/bin/gcc-12');
    expect([...removed].some((key) => key.startsWith('dev-dependency-present '))).toBe(true);
    expect(p.findings.added).toEqual([]);
    expect(p.findings.unchanged).toBe(0);
    expect(result.stdout).not.toContain(SEED_STRIPE_KEY);
  });

  it('table: the numbers side by side and the findings that went away', async () => {
    const result = await runCli(['diff', `docker-archive:${single}`, `oci:${multi}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^Before {4}.*single\.tar \(docker-archive\)$/m);
    expect(out).toMatch(/^ {2}Layers +3 +2 +−1$/m);
    expect(out).toMatch(/^ {4}build toolchain +4\.2 kB +0 B +−4\.2 kB$/m);
    expect(out).toMatch(/^ {2}Removable share +66\.0 % +0\.0 % +−66\.0 pt$/m);
    expect(out).toMatch(/^Findings {2}\d+ removed, 0 added, 0 unchanged$/m);
    expect(out).toMatch(/^ {2}- HIGH {5}compiler-present {2}\/usr\/bin\/gcc-12/m);
    expect(out).not.toContain(SEED_STRIPE_KEY);
  });

  it('the same image twice: nothing added or removed', async () => {
    const result = await runCli(['diff', '-f', 'json', `oci:${multi}`, `oci:${multi}`]);
    expect(result.code).toBe(0);
    const [p] = (JSON.parse(result.stdout) as DiffReport).platforms;
    expect(p.layers).toMatchObject({ shared: 2, added: [], removed: [] });
    expect(p.findings).toEqual({ added: [], removed: [], unchanged: 0 });
    expect(p.size.uncompressed.delta).toBe(0);
  });

  it('--policy: both verdicts; the exit code is the second image’s decision', async () => {
    const better = await runCli([
      'diff',
      '-f',
      'json',
      '--policy',
      policy,
      `docker-archive:${single}`,
      `oci:${multi}`,
    ]);
    expect(better.stderr).toBe('');
    expect(better.code).toBe(0);
    const report = JSON.parse(better.stdout) as DiffReport;
    expect(report.verdicts?.before.map((v) => v.decision)).toEqual(['reject']);
    expect(report.verdicts?.after.map((v) => v.decision)).toEqual(['pass']);

    const worse = await runCli(['diff', '--policy', policy, `oci:${multi}`, `docker-archive:${single}`]);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/^Decision {2}REJECT$/m);
    expect(worse.stdout).toMatch(/max-removable {2}removable ratio 0\.6\d* over 0\.5/);
  });

  it('usage and image faults exit 2 and 3 with a message, no stack trace', async () => {
    const format = await runCli(['diff', '-f', 'sarif', `oci:${multi}`, `oci:${multi}`]);
    expect(format.code).toBe(2);
    const missing = await runCli(['diff', `oci:${multi}`, join(dir.path, 'nope.tar')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^pushgate: .*nope\.tar.*\[ARCHIVE_INVALID\]\n$/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
