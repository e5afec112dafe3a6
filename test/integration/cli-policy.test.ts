import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/policy/types.js';
import type { ScanReport } from '../../src/report/scan-report.js';
import { writeDockerArchive } from '../support/image-builder.js';
import { REPO_ROOT, runCli } from '../support/run-cli.js';
import { expectValidSarif } from '../support/sarif-schema.js';
import { buildMultiStageImage, buildSingleStageImage } from '../support/seed-images.js';
import { tempDir } from '../support/temp-dir.js';

const BAD = 'test/fixtures/policies/bad';

const NO_COMPILERS = `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata:
  name: no-compilers
spec:
  onFail: { action: reject }
  rules:
    - id: no-compilers
      severity: high
      message: 'build toolchain shipped in the image: {{compilers}}'
      schema: { properties: { compilers: { maxItems: 0 } } }
`;

describe('pushgate policy lint / schema', () => {
  it('accepts a good multi-document file (exit 0)', async () => {
    const result = await runCli(['policy', 'lint', 'test/fixtures/policies/good-multi.yaml']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('2 policies OK\n');
  });

  it('reports every problem of the bad fixtures as file:line:col (exit 1)', async () => {
    const result = await runCli(['policy', 'lint', BAD]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines)
      expect(line).toMatch(/^test\/fixtures\/policies\/bad\/[\w-]+\.yaml:\d+:\d+: error: /);
    expect(result.stdout).toContain(
      `${BAD}/unknown-key.yaml:11:7: error: unknown key 'sevrity' (spec.rules[0].sevrity)`,
    );
    expect(result.stdout).toContain(
      `${BAD}/unknown-key.yaml:12:3: error: unknown key 'onFial' (spec.onFial)`,
    );
  });

  it('reports a facts name a rule schema gets wrong, at file:line:col with a suggestion (exit 1)', async () => {
    const result = await runCli(['policy', 'lint', `${BAD}/facts-names.yaml`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const file = `${BAD}/facts-names.yaml`;
    expect(result.stdout).toBe(
      [
        // The typo of the issue: a size budget that never fails.
        `${file}:14:11: error: unknown facts property 'total' at the top of the facts document: this part of the rule can never fail; did you mean 'totals'? (spec.rules[0].schema.properties.total)`,
        `${file}:16:15: error: unknown facts property 'uncompresedSize' in totals: this part of the rule can never fail; did you mean 'uncompressedSize'? (spec.rules[0].schema.properties.total.properties.uncompresedSize)`,
        // And the one that fails every image.
        `${file}:24:24: error: unknown facts property 'nmae' in user: the rule fails whenever user is checked; did you mean 'name'? (spec.rules[1].schema.properties.user.required[0])`,
        `${file}:31:27: error: 'name' cannot be a property of compilers, which is an array in the facts: this part of the rule can never fail; under items it would name compilers[].name (spec.rules[2].schema.properties.compilers.properties.name)`,
        `${file}:33:36: error: unknown facts property 'nmae' in compilers[]: this is never checked; did you mean 'name'? (spec.rules[2].schema.properties.compilers.items.not.properties.nmae)`,
        '',
      ].join('\n'),
    );
  });

  it('reports every problem of a file in one run', async () => {
    const result = await runCli(['policy', 'lint', `${BAD}/all-at-once.yaml`]);
    expect(result.code).toBe(1);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.replace(/: error: .*\((.*)\)$/, ' $1')),
    ).toEqual([
      `${BAD}/all-at-once.yaml:7:9 spec.mode`,
      `${BAD}/all-at-once.yaml:10:17 spec.rules[0].severity`,
      `${BAD}/all-at-once.yaml:14:21 spec.rules[0].schema.properties.shells.maxItem`,
      `${BAD}/all-at-once.yaml:14:33 spec.rules[0].schema.properties.shells.minItem`,
      `${BAD}/all-at-once.yaml:15:32 spec.rules[0].schema.properties.compilers.format`,
      `${BAD}/all-at-once.yaml:15:51 spec.rules[0].schema.properties.compilers.pattern`,
      `${BAD}/all-at-once.yaml:17:36 spec.rules[0].schema.properties.secrets.properties.findigs`,
      `${BAD}/all-at-once.yaml:22:20 spec.rules[1].schema.required[0]`,
    ]);
  });

  it('lints the default policies clean', async () => {
    const result = await runCli(['policy', 'lint', 'policies/']);
    expect(result.stdout).toBe('11 policies OK\n');
    expect(result.code).toBe(0);
  });

  it('exits 1 for a path that does not exist', async () => {
    const result = await runCli(['policy', 'lint', 'test/fixtures/policies/no-such.yaml']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^test\/fixtures\/policies\/no-such\.yaml:1:1: error: cannot read policy path/,
    );
  });

  it('warns about expired waivers without failing', async () => {
    const dir = await tempDir();
    try {
      const file = join(dir.path, 'expired.yaml');
      await writeFile(
        file,
        `${NO_COMPILERS}  waivers:\n    - { rule: no-compilers, expires: 2000-01-01, reason: long gone }\n`,
      );
      const result = await runCli(['policy', 'lint', file]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(
          `^${file}:\\d+:1: warning: waiver for rule no-compilers of policy no-compilers expired on 2000-01-01`,
        ),
      );
    } finally {
      await dir.remove();
    }
  });

  it('prints the rule-schema meta-schema policy.schema.json points rule schemas at', async () => {
    const result = await runCli(['policy', 'rule-schema']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(await readFile(join(REPO_ROOT, 'src/policy/rule-schema.schema.json'), 'utf8'));
  });

  it('prints the policy JSON Schema', async () => {
    const result = await runCli(['policy', 'schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(schema).toEqual(
      JSON.parse(await readFile(join(REPO_ROOT, 'src/policy/policy.schema.json'), 'utf8')),
    );
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('pushgate scan --policy', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let single: string;
  let multi: string;
  let policy: string;

  beforeAll(async () => {
    dir = await tempDir();
    single = join(dir.path, 'single.tar');
    multi = join(dir.path, 'multi.tar');
    policy = join(dir.path, 'no-compilers.yaml');
    await Promise.all([
      (async () => writeDockerArchive(single, await buildSingleStageImage(), ['seed/single:1']))(),
      (async () => writeDockerArchive(multi, await buildMultiStageImage(), ['seed/multi:1']))(),
      writeFile(policy, NO_COMPILERS),
    ]);
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('rejects the single-stage image (exit 1) and reports the violation in JSON', async () => {
    const result = await runCli(['scan', '-f', 'json', `docker-archive:${single}`, '--policy', policy]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as ScanReport & { verdicts: Verdict[] };
    expect(report.verdicts).toHaveLength(1);
    const [verdict] = report.verdicts;
    expect(verdict?.decision).toBe('reject');
    // Judged under the name the archive gives the image (its RepoTags).
    expect(verdict?.image).toBe(`docker-archive:${single}:seed/single:1`);
    expect(verdict?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(verdict?.policySetVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(verdict?.policies).toHaveLength(1);
    const [p] = verdict?.policies ?? [];
    expect(p?.name).toBe('no-compilers');
    expect(p?.result).toBe('fail');
    expect(p?.violations[0]).toMatchObject({ rule: 'no-compilers', severity: 'high' });
    expect(p?.violations[0]?.message).toMatch(/^build toolchain shipped in the image: .+/);
  });

  it('shows the policy verdict in the table report', async () => {
    const result = await runCli(['scan', `docker-archive:${single}`, '--policy', policy]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `\nPolicy verdict  linux/amd64  docker-archive:${single}:seed/single:1\nDecision  REJECT\n`,
    );
    expect(result.stdout).toMatch(
      /\n {2}FAIL {2}no-compilers\n {10}HIGH {5}no-compilers {2}build toolchain shipped/,
    );
  });

  it('carries the verdict and the policy violations in SARIF', async () => {
    const result = await runCli(['scan', '-f', 'sarif', `docker-archive:${single}`, '--policy', policy]);
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as {
      runs: Array<{ properties: Record<string, unknown>; results: Array<{ ruleId: string; level: string }> }>;
    };
    expectValidSarif(log);
    expect(log.runs[0].properties).toMatchObject({ decision: 'reject' });
    const violation = log.runs[0].results.find((r) => r.ruleId.startsWith('policy/'));
    expect(violation).toMatchObject({ level: 'error' });
    expect(violation?.ruleId).toMatch(/^policy\/[a-z0-9-]+\/no-compilers$/);
  });

  it('passes the multi-stage image (exit 0)', async () => {
    const result = await runCli(['scan', '-f', 'json', `docker-archive:${multi}`, '--policy', policy]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ScanReport & { verdicts: Verdict[] };
    expect(report.verdicts.map((v) => v.decision)).toEqual(['pass']);
    expect(report.verdicts[0]?.policies.map((p) => p.result)).toEqual(['pass']);
  });

  it('matches repository and tag named by the archive selector', async () => {
    const scoped = join(dir.path, 'scoped.yaml');
    await writeFile(
      scoped,
      NO_COMPILERS.replace('spec:\n', "spec:\n  match: { repositories: ['seed/other'] }\n"),
    );
    const elsewhere = await runCli([
      'scan',
      '-f',
      'json',
      `docker-archive:${single}:seed/single:1`,
      '--policy',
      scoped,
    ]);
    expect(elsewhere.code).toBe(0);
    const report = JSON.parse(elsewhere.stdout) as ScanReport & { verdicts: Verdict[] };
    expect(report.verdicts[0]?.policies[0]?.result).toBe('skip');

    await writeFile(
      scoped,
      NO_COMPILERS.replace('spec:\n', "spec:\n  match: { repositories: ['seed/single'], tags: ['1'] }\n"),
    );
    const here = await runCli([
      'scan',
      '-f',
      'json',
      `docker-archive:${single}:seed/single:1`,
      '--policy',
      scoped,
    ]);
    expect(here.code).toBe(1);
  });

  it('takes --policy before the image, repeated or comma-separated (never swallowing the reference)', async () => {
    const other = join(dir.path, 'non-root.yaml');
    await writeFile(
      other,
      NO_COMPILERS.replaceAll('no-compilers', 'non-root').replace(
        'schema: { properties: { compilers: { maxItems: 0 } } }',
        'schema: { properties: { compilers: true } }',
      ),
    );
    const names = (stdout: string): string[] =>
      (JSON.parse(stdout) as ScanReport & { verdicts: Verdict[] }).verdicts[0].policies.map((p) => p.name);
    const before = await runCli(['scan', '-f', 'json', '--policy', policy, `docker-archive:${single}`]);
    expect(before.stderr).toBe('');
    expect(before.code).toBe(1);
    expect(names(before.stdout)).toEqual(['no-compilers']);
    const repeated = await runCli([
      'scan',
      '--policy',
      policy,
      '--policy',
      other,
      '-f',
      'json',
      `docker-archive:${single}`,
    ]);
    expect(repeated.code).toBe(1);
    expect(names(repeated.stdout).sort()).toEqual(['no-compilers', 'non-root']);
    const comma = await runCli([
      'scan',
      '--policy',
      `${policy},${other}`,
      '-f',
      'json',
      `docker-archive:${single}`,
    ]);
    expect(comma.code).toBe(1);
    expect(names(comma.stdout).sort()).toEqual(['no-compilers', 'non-root']);
  });

  it('policy test takes a whole `scan -f json` report as the fixture, each platform by name', async () => {
    const cases = join(dir.path, 'report-cases');
    await mkdir(join(cases, 'tests'), { recursive: true });
    await writeFile(join(cases, 'policy.yaml'), NO_COMPILERS);
    const reportFile = join(cases, 'tests', 'single.report.json');
    const scanned = await runCli(['scan', '-f', 'json', '-o', reportFile, `docker-archive:${single}`]);
    expect(scanned.code).toBe(0);
    const testFile = join(cases, 'tests', 'report.test.yaml');
    const writeCases = (expectFor: string, extra = ''): Promise<void> =>
      writeFile(
        testFile,
        `apiVersion: pushgate.dev/v1\nkind: PolicyTest\ncases:\n  - name: the scanned report\n    facts: ${extra || 'single.report.json'}\n    expect: { no-compilers: ${expectFor}, decision: ${expectFor === 'fail' ? 'reject' : 'pass'} }\n`,
      );
    await writeCases('fail');
    const seen = await runCli(['policy', 'test', testFile]);
    expect(seen.stdout).toBe('2 passed, 0 failed\n');
    expect(seen.code).toBe(0);

    // An expectation the image does not meet comes out as a failure, not as `got pass`.
    await writeCases('pass');
    const wrong = await runCli(['policy', 'test', testFile]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('the scanned report: no-compilers: expected pass, got fail');
    expect(wrong.stdout).toContain('0 passed, 2 failed');

    // Several platforms: the case runs once per platform, named by it.
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as ScanReport;
    const second = { ...report.platforms[0], platform: 'linux/arm64' };
    await writeFile(
      join(cases, 'tests', 'multi.report.json'),
      JSON.stringify({ ...report, platforms: [report.platforms[0], second] }),
    );
    await writeCases('pass', 'multi.report.json');
    const multi = await runCli(['policy', 'test', testFile]);
    expect(multi.code).toBe(1);
    expect(multi.stdout).toContain('the scanned report (linux/amd64): no-compilers');
    expect(multi.stdout).toContain('the scanned report (linux/arm64): no-compilers');
  });

  it('refuses broken policies with the lint output (exit 2) before reading the image', async () => {
    const result = await runCli(['scan', `docker-archive:${single}`, '--policy', `${BAD}/unknown-key.yaml`]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${BAD}/unknown-key.yaml:11:7: error: unknown key 'sevrity'`);
  });

  it('changes nothing without --policy', async () => {
    const result = await runCli(['scan', '-f', 'json', `docker-archive:${single}`]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).not.toHaveProperty('verdicts');
    expect(result.stdout).not.toContain('Policy verdict');
  });
});
