import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportFinding } from '../../src/facts/checks.js';
import type { ScanReport } from '../../src/report/scan-report.js';
import { expectValidFacts } from '../support/facts-schema.js';
import { writeDockerArchive } from '../support/image-builder.js';
import { runCli } from '../support/run-cli.js';
import { expectValidSarif } from '../support/sarif-schema.js';
import { buildMultiStageImage, SEED_STRIPE_KEY } from '../support/seed-images.js';
import { tempDir } from '../support/temp-dir.js';
import { golden, GOLDEN_INPUTS, readGolden, scanForGolden } from '../support/goldens.js';

function names(findings: ReportFinding[], check: string): string[] {
  return findings
    .filter((f) => f.check === check)
    .map((f) => f.message)
    .sort();
}

describe('the seed images through `pushgate scan`', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let single: ScanReport;
  let multi: ScanReport;
  let singleArchive: string;

  beforeAll(async () => {
    dir = await tempDir();
    const multiArchive = join(dir.path, 'multi.tar');
    // As the golden file was made (`npm run gen:goldens`): the same image under the same name.
    singleArchive = await GOLDEN_INPUTS['seed-single'].prepare(dir.path);
    await writeDockerArchive(multiArchive, await buildMultiStageImage(), ['seed/multi:1']);
    const [a, b] = await Promise.all([
      runCli(['scan', '-f', 'json', `docker-archive:${singleArchive}`]),
      runCli(['scan', '-f', 'json', `docker-archive:${multiArchive}`]),
    ]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    single = JSON.parse(a.stdout) as ScanReport;
    multi = JSON.parse(b.stdout) as ScanReport;
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('finds every category in the single-stage image, with layer evidence', () => {
    const [platform] = single.platforms;
    expectValidFacts(platform.facts);
    const findings = platform.findings;
    const categories = new Set(findings.map((f) => f.category));
    for (const check of [
      'compiler-present',
      'shell-present',
      'package-manager-present',
      'dev-dependency-present',
      'root-user',
    ]) {
      expect(
        findings.some((f) => f.check === check),
        check,
      ).toBe(true);
    }
    expect(categories.has('Secrets')).toBe(true);
    expect(names(findings, 'compiler-present').join(' ')).toMatch(/gcc/);
    expect(names(findings, 'compiler-present').join(' ')).toMatch(/make/);
    expect(names(findings, 'shell-present').join(' ')).toMatch(/bash/);
    expect(names(findings, 'package-manager-present').join(' ')).toMatch(/apt/);
    expect(names(findings, 'dev-dependency-present').join(' ')).toMatch(/jest/);
    expect(names(findings, 'dev-dependency-present').join(' ')).toMatch(/typescript/);

    const gcc = findings.find((f) => f.check === 'compiler-present' && f.message.includes('gcc'))!;
    const onDisk = gcc.evidence.find((e) => e.kind === 'file' && e.path.startsWith('/usr/bin/gcc'));
    expect(onDisk).toMatchObject({ layer: 1, state: 'present' });
    expect(onDisk?.createdBy).toContain('apt-get install');

    const secret = findings.find((f) => f.category === 'Secrets')!;
    expect(secret.evidence[0]).toMatchObject({ path: '/app/.env', layer: 2, state: 'present' });
  });

  it('never prints the secret value in any format', async () => {
    expect(JSON.stringify(single)).not.toContain(SEED_STRIPE_KEY);
    for (const format of ['table', 'sarif', 'html']) {
      const result = await runCli(['scan', '-f', format, `docker-archive:${singleArchive}`]);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain(SEED_STRIPE_KEY);
      if (format === 'sarif') expectValidSarif(JSON.parse(result.stdout));
    }
  });

  it('finds nothing in the multi-stage counterpart', () => {
    const [platform] = multi.platforms;
    expectValidFacts(platform.facts);
    expect(platform.findings).toEqual([]);
    expect(platform.facts.user).toMatchObject({ root: false, uid: 65532 });
  });

  it('matches the golden table report of the single-stage image', async () => {
    const table = golden('seed-single.table.golden');
    // The archive path is a temp dir: scanForGolden normalises it before comparing.
    const result = await scanForGolden(table, singleArchive);
    expect(result.stdout).toBe(await readGolden(table));
  });

  it('matches the golden HTML report of the single-stage image', async () => {
    const page = golden('seed-single.html.golden');
    const result = await scanForGolden(page, singleArchive);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(await readGolden(page));
  });
});
