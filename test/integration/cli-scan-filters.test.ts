import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/policy/types.js';
import type { AcceptedFinding } from '../../src/report/accept-findings.js';
import type { ScanReport } from '../../src/report/scan-report.js';
import { writeDockerArchive } from '../support/image-builder.js';
import { runCli } from '../support/run-cli.js';
import { expectValidSarif } from '../support/sarif-schema.js';
import { buildSingleStageImage } from '../support/seed-images.js';
import { tempDir } from '../support/temp-dir.js';

type Report = ScanReport & { verdicts?: Verdict[] };

const NO_COMPILERS = `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata:
  name: no-compilers
spec:
  onFail: { action: reject }
  rules:
    - id: no-compilers
      severity: high
      message: 'build toolchain: {{compilers}}'
      schema: { properties: { compilers: { maxItems: 0 } } }
`;

/** The MEDIUM findings of the single-stage seed image, all accepted. */
const ACCEPT_MEDIUM = `# accepted for the test
- check: shell-present
  path: /bin/*
  reason: the entrypoint script needs sh
- check: package-manager-present
  reason: base image, replaced next quarter
  expires: 2999-12-31
- check: dev-dependency-present
  path: /app/**
  reason: jest runs in the container smoke test
`;

/** `--severity`, `--exit-code` and `.pushgateignore` (Trivy's and Dockle's options) without a policy. */
describe('pushgate scan --severity, --exit-code and the ignore file', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;

  beforeAll(async () => {
    dir = await tempDir();
    image = join(dir.path, 'single.tar');
    await writeDockerArchive(image, await buildSingleStageImage(), ['seed/single:1']);
  });

  afterAll(async () => {
    await dir?.remove();
  });

  const json = (stdout: string): Report => JSON.parse(stdout) as Report;
  const severities = (report: Report): string[] => [
    ...new Set(report.platforms[0].findings.map((f) => f.severity)),
  ];

  it('--severity keeps only the severities asked for (any case, comma-separated or repeated)', async () => {
    const all = await runCli(['scan', '-f', 'json', image]);
    expect(severities(json(all.stdout)).sort()).toEqual(['high', 'info', 'low', 'medium']);
    const high = await runCli(['scan', '-f', 'json', '--severity', 'HIGH,critical', image]);
    expect(high.code).toBe(0);
    expect(severities(json(high.stdout))).toEqual(['high']);
    const repeated = await runCli(['scan', '-f', 'json', '--severity', 'LOW', '--severity', 'MEDIUM', image]);
    expect(severities(json(repeated.stdout)).sort()).toEqual(['low', 'medium']);
    const bad = await runCli(['scan', '--severity', 'SEVERE', image]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--severity takes CRITICAL, HIGH, MEDIUM, LOW, INFO');
  });

  it('--exit-code N exits N when findings remain, 0 when the filters leave none', async () => {
    const found = await runCli(['scan', '--exit-code', '5', image]);
    expect(found.code).toBe(5);
    const none = await runCli(['scan', '--exit-code', '5', '--severity', 'CRITICAL', image]);
    expect(none.stderr).toBe('');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('Findings  none');
    const withPolicy = await runCli(['scan', '--exit-code', '5', '--policy', 'policies/', image]);
    expect(withPolicy.code).toBe(2);
    expect(withPolicy.stderr).toContain('--exit-code applies without --policy');
  });

  it('.pushgateignore in the working directory accepts findings: out of the list and the exit code, shown as accepted', async () => {
    const cwd = join(dir.path, 'project');
    await import('node:fs/promises').then((fs) => fs.mkdir(cwd, { recursive: true }));
    await writeFile(join(cwd, '.pushgateignore'), ACCEPT_MEDIUM);
    const args = ['scan', '--severity', 'MEDIUM', '--exit-code', '4', image];
    const before = await runCli(args); // from the repository root: no ignore file there
    expect(before.code).toBe(4);

    const table = await runCli(args, {}, cwd);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Findings  none');
    expect(table.stdout).toContain('Accepted  8 (by the ignore file; not counted as findings)');
    expect(table.stdout).toMatch(
      /MEDIUM {3}shell-present {2}bash .*\n {13}accepted: the entrypoint script needs sh \(\.pushgateignore:2\)/,
    );
    expect(table.stdout).toContain(
      'accepted: base image, replaced next quarter (.pushgateignore:5, until 2999-12-31)',
    );

    const report = json((await runCli(['scan', '-f', 'json', ...args.slice(1)], {}, cwd)).stdout);
    const accepted = report.platforms[0].accepted as AcceptedFinding[];
    expect(accepted.map((f) => f.check).sort()).toEqual([
      'dev-dependency-present',
      'dev-dependency-present',
      'package-manager-present',
      'package-manager-present',
      'package-manager-present',
      'shell-present',
      'shell-present',
      'shell-present',
    ]);
    expect(accepted[0].accepted).toMatchObject({ source: expect.stringMatching(/^\.pushgateignore:\d+$/) });

    const sarif = JSON.parse((await runCli(['scan', '-f', 'sarif', ...args.slice(1)], {}, cwd)).stdout) as {
      runs: Array<{ results: Array<{ suppressions?: Array<{ kind: string; justification: string }> }> }>;
    };
    expectValidSarif(sarif);
    expect(sarif.runs[0].results).toHaveLength(8);
    expect(sarif.runs[0].results[0].suppressions?.[0]).toMatchObject({ kind: 'external' });
  });

  it('a path glob or fingerprint narrows an entry; an expired entry no longer applies and is reported', async () => {
    const all = json((await runCli(['scan', '-f', 'json', image])).stdout);
    const secret = all.platforms[0].findings.find((f) => f.check === 'secret-dotenv-secret');
    expect(secret?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const file = join(dir.path, 'narrow.yaml');
    await writeFile(
      file,
      [
        '- check: shell-present',
        '  path: /bin/bash',
        '  reason: bash only',
        '- check: secret-dotenv-secret',
        `  fingerprint: ${secret?.fingerprint}`,
        '  reason: a test key, rotated',
        '- check: secret-dotenv-secret',
        '  fingerprint: 0000000000000000',
        '  reason: another key',
        '- check: root-user',
        '  reason: was fine last year',
        '  expires: 2020-01-31',
        '',
      ].join('\n'),
    );
    const result = await runCli(['scan', '-f', 'json', '--ignorefile', file, image]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `pushgate: ${file}:10: the entry for root-user expired on 2020-01-31 and no longer applies`,
    );
    const report = json(result.stdout);
    const accepted = (report.platforms[0].accepted ?? []).map((f) => `${f.check} ${f.message.split(' ')[0]}`);
    expect(accepted.sort()).toEqual(['secret-dotenv-secret Secret', 'shell-present bash']);
    const checks = report.platforms[0].findings.map((f) => f.check);
    expect(checks).toContain('root-user');
    expect(checks.filter((c) => c === 'shell-present')).toHaveLength(2);
  });

  it('with --policy the verdict comes from the policies alone; the ignore file only changes the findings', async () => {
    const policy = join(dir.path, 'no-compilers.yaml');
    const ignore = join(dir.path, 'compilers.yaml');
    await writeFile(policy, NO_COMPILERS);
    await writeFile(ignore, '- check: compiler-present\n  reason: accepted for the findings list\n');
    const result = await runCli(['scan', '-f', 'json', '--policy', policy, '--ignorefile', ignore, image]);
    expect(result.code).toBe(1);
    const report = json(result.stdout);
    expect(report.verdicts?.[0].decision).toBe('reject');
    expect(report.platforms[0].findings.map((f) => f.check)).not.toContain('compiler-present');
    expect(report.platforms[0].accepted?.length).toBe(6);
  });

  it('refuses a bad ignore file before reading the image, every problem at file:line:col (exit 2)', async () => {
    const file = join(dir.path, 'bad.yaml');
    await writeFile(
      file,
      [
        '- check: shel-present',
        '  reason: typo',
        '- chek: root-user',
        '  reason: typo in a key',
        '- check: root-user',
        '- check: root-user',
        '  reason: bad date',
        '  expires: 31.12.2026',
        '',
      ].join('\n'),
    );
    const result = await runCli(['scan', '--ignorefile', file, '/nonexistent/image.tar']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`the ignore file ${file} has errors:`);
    expect(result.stderr).toContain(
      `${file}:1:10: unknown check 'shel-present'; did you mean 'shell-present'?`,
    );
    expect(result.stderr).toContain(`${file}:3:3: unknown key 'chek'; did you mean 'check'?`);
    expect(result.stderr).toContain(`${file}:5:3: an entry needs 'reason'`);
    expect(result.stderr).toContain(`${file}:8:12: 'expires' must be a date YYYY-MM-DD, got '31.12.2026'`);
    const notList = join(dir.path, 'map.yaml');
    await writeFile(notList, 'check: root-user\n');
    const map = await runCli(['scan', '--ignorefile', notList, image]);
    expect(map.code).toBe(2);
    expect(map.stderr).toContain(`${notList}:1:1: expected a list of entries`);
    const missing = await runCli(['scan', '--ignorefile', join(dir.path, 'nope'), image]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the ignore file');
  });
});
