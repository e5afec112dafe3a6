import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPolicyTestCommand } from '../../../src/cli/policy-test.js';
import type { CliEnvironment } from '../../../src/cli/cli-environment.js';
import { runPolicyTests } from '../../../src/policy/run-policy-tests.js';
import { tempDir } from '../../support/temp-dir.js';

const POLICY = `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata: { name: no-gcc }
spec:
  match: { repositories: ['prod/**'] }
  rules:
    - id: no-compilers
      severity: high
      message: 'compilers: {{compilers}}'
      schema: { properties: { compilers: { maxItems: 0 } } }
`;

const image = {
  reference: 'x',
  source: 'oci',
  configDigest: 'sha256:c',
  platform: 'linux/amd64',
  labels: {},
  annotations: {},
};

function testFile(cases: string): string {
  return `apiVersion: pushgate.dev/v1\nkind: PolicyTest\ncases:\n${cases}`;
}

describe('runPolicyTests', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let folder: string;

  beforeAll(async () => {
    dir = await tempDir();
    folder = join(dir.path, 'no-gcc');
    await mkdir(join(folder, 'tests', 'facts'), { recursive: true });
    await writeFile(join(folder, 'policy.yaml'), POLICY);
    await writeFile(join(folder, 'tests', 'facts', 'clean.json'), JSON.stringify({ image, compilers: [] }));
    await writeFile(
      join(folder, 'tests', 'facts', 'gcc.json'),
      JSON.stringify({
        image,
        compilers: [
          { name: 'gcc', kind: 'c', evidence: [{ kind: 'file', path: '/usr/bin/gcc', state: 'present' }] },
        ],
      }),
    );
    await writeFile(
      join(folder, 'tests', 'pass.test.yaml'),
      testFile(`  - name: clean
    facts: facts/clean.json
    expect: { no-compilers: pass, no-gcc: pass, decision: pass }
  - name: gcc in prod
    facts: facts/gcc.json
    expect: { no-compilers: fail, policy: fail, decision: reject }
  - name: gcc outside prod
    facts: facts/gcc.json
    target: { registry: r.test, repository: dev/app, tag: '1' }
    expect: { no-compilers: skip, no-gcc: skip }
`),
    );
    await mkdir(join(dir.path, 'broken', 'tests'), { recursive: true });
    await writeFile(join(dir.path, 'broken', 'policy.yaml'), POLICY);
    await writeFile(
      join(dir.path, 'broken', 'tests', 'fail.test.yaml'),
      testFile(`  - name: wrongly expects a pass
    facts: ../../no-gcc/tests/facts/gcc.json
    expect: { no-compilers: pass }
  - name: missing facts
    facts: facts/nope.json
    expect: { no-compilers: pass }
  - name: unknown key
    facts: ../../no-gcc/tests/facts/clean.json
    expect: { no-such-rule: pass }
`),
    );
  });
  afterAll(() => dir.remove());

  it('passes every expectation of a correct test file', async () => {
    const run = await runPolicyTests([join(folder, 'tests', 'pass.test.yaml')]);
    expect(run.failed).toBe(0);
    expect(run.passed).toBe(8);
    expect(run.results.find((r) => r.case === 'gcc in prod' && r.rule === 'no-compilers')).toMatchObject({
      policy: 'no-gcc',
      expected: 'fail',
      actual: 'fail',
      ok: true,
    });
  });

  it('reports a wrong expectation, a missing fixture and an unknown key as failures', async () => {
    const run = await runPolicyTests([join(dir.path, 'broken')]);
    expect(run.passed).toBe(0);
    expect(run.failed).toBe(3);
    const [wrong, missing, unknown] = run.results;
    expect(wrong).toMatchObject({
      case: 'wrongly expects a pass',
      rule: 'no-compilers',
      expected: 'pass',
      actual: 'fail',
      ok: false,
    });
    expect(wrong.message).toContain('compilers: gcc');
    expect(missing).toMatchObject({ case: 'missing facts', ok: false });
    expect(missing.message).toMatch(/reading facts .*nope\.json/);
    expect(unknown.message).toContain("'no-such-rule' is neither a rule id");
  });

  it('a case may name the namespace the pod runs in (`namespaces` scopes)', async () => {
    const nsFolder = join(dir.path, 'ns');
    await mkdir(join(nsFolder, 'tests'), { recursive: true });
    await writeFile(
      join(nsFolder, 'policy.yaml'),
      POLICY.replace("match: { repositories: ['prod/**'] }", "match: { namespaces: ['prod-*'] }"),
    );
    await writeFile(
      join(nsFolder, 'tests', 'ns.test.yaml'),
      testFile(`  - name: in a prod namespace
    facts: ../../no-gcc/tests/facts/gcc.json
    target: { namespace: prod-eu }
    expect: { no-gcc: fail }
  - name: in a dev namespace
    facts: ../../no-gcc/tests/facts/gcc.json
    target: { namespace: dev }
    expect: { no-gcc: skip }
  - name: a push (no namespace)
    facts: ../../no-gcc/tests/facts/gcc.json
    expect: { no-gcc: fail }
`),
    );
    const run = await runPolicyTests([nsFolder]);
    expect(run.results.filter((r) => !r.ok)).toEqual([]);
    expect(run.passed).toBe(3);
  });

  it('reports a folder without test files', async () => {
    const empty = join(dir.path, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'policy.yaml'), POLICY);
    const run = await runPolicyTests([empty]);
    expect(run.failed).toBe(1);
    expect(run.results[0].message).toBe('no PolicyTest files found');
  });

  it('`policy test` prints failures and the summary, and sets the exit code', async () => {
    async function cli(path: string): Promise<{ out: string; code: number }> {
      let out = '';
      let code = -1;
      const sink = { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WriteStream;
      const io: CliEnvironment = { env: {}, stdout: sink, stderr: sink };
      const program = new Command('pushgate').exitOverride();
      registerPolicyTestCommand(program.command('policy'), io, (c) => (code = c));
      await program.parseAsync(['policy', 'test', path], { from: 'user' });
      return { out, code };
    }
    const good = await cli(join(folder, 'tests'));
    expect(good).toEqual({ out: '8 passed, 0 failed\n', code: 0 });
    const bad = await cli(join(dir.path, 'broken'));
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('FAIL ');
    expect(bad.out).toContain('no-gcc/no-compilers: expected pass, got fail');
    expect(bad.out.trim().split('\n').at(-1)).toBe('0 passed, 3 failed');
  });
});
