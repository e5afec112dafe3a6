import { describe, expect, it } from 'vitest';
import { compilePolicies } from '../../../src/policy/compile-policies.js';
import { evaluate, type EvaluateOptions } from '../../../src/policy/evaluate.js';
import type { LoadedPolicy, PolicyRule } from '../../../src/policy/types.js';
import { facts, loaded, noCompilers, nonRoot, target } from './evaluate-fixtures.js';

const options: EvaluateOptions = { policySetVersion: 'sha256:set', now: new Date('2026-06-01T12:00:00Z') };

function run(policies: LoadedPolicy[], extra: Partial<EvaluateOptions> = {}, t = target) {
  return evaluate(compilePolicies(policies), facts(), t, { ...options, ...extra });
}

const badSchema: PolicyRule = {
  ...noCompilers,
  id: 'broken',
  schema: { properties: { compilers: { maxItem: 0 } } },
};

describe('evaluate', () => {
  it('fails with rendered messages, severity, instance path and evidence', () => {
    const verdict = run([loaded('strict', { rules: [noCompilers, nonRoot] })]);
    expect(verdict).toMatchObject({
      digest: target.digest,
      image: target.image,
      platform: 'linux/amd64',
      decision: 'reject',
      policySetVersion: 'sha256:set',
      evaluatedAt: '2026-06-01T12:00:00.000Z',
    });
    const [policy] = verdict.policies;
    expect(policy).toMatchObject({ name: 'strict', mode: 'enforce', result: 'fail' });
    expect(policy.violations.map((v) => [v.rule, v.severity, v.message, v.instancePath])).toEqual([
      ['no-compilers', 'high', 'compilers found: gcc, make', '/compilers'],
      ['non-root', 'high', 'runs as root', '/user/uid'],
    ]);
    expect(policy.violations[0].evidence.map((e) => (e as { path: string }).path)).toEqual([
      '/usr/bin/gcc',
      '/usr/lib/gcc',
      '/usr/bin/make',
    ]);
    // A scalar has no evidence of its own: its nearest ancestor's is reported.
    expect(policy.violations[1].evidence).toEqual([{ kind: 'config', path: 'User', state: 'present' }]);
  });

  it('bounds evidence to 20 items', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      name: `cc${i}`,
      evidence: [{ path: `/bin/cc${i}` }],
    }));
    const verdict = evaluate(
      compilePolicies([loaded('p', { rules: [noCompilers] })]),
      facts({ compilers: many }),
      target,
      options,
    );
    expect(verdict.policies[0].violations[0].evidence).toHaveLength(20);
  });

  it('passes when no rule is violated', () => {
    const verdict = evaluate(
      compilePolicies([loaded('p', { rules: [noCompilers] })]),
      facts({ compilers: [] }),
      target,
      options,
    );
    expect(verdict.decision).toBe('pass');
    expect(verdict.policies[0]).toMatchObject({ result: 'pass', violations: [] });
  });

  it('skips a policy whose scope does not match, and exclude wins', () => {
    const verdict = run([
      loaded('staging-only', { match: { repositories: ['staging/**'] }, rules: [noCompilers] }),
      loaded('excluded', {
        match: { repositories: ['prod/**'] },
        exclude: { tags: ['1.*'] },
        rules: [noCompilers],
      }),
    ]);
    expect(verdict.policies.map((p) => [p.name, p.result, p.violations.length])).toEqual([
      ['staging-only', 'skip', 0],
      ['excluded', 'skip', 0],
    ]);
    expect(verdict.decision).toBe('pass');
  });

  it('warns when onFail is warn', () => {
    const verdict = run([loaded('w', { onFail: { action: 'warn' }, rules: [noCompilers] })]);
    expect(verdict.policies[0].result).toBe('warn');
    expect(verdict.decision).toBe('warn');
  });

  it('tags when onFail is tag', () => {
    const verdict = run([
      loaded('t', { onFail: { action: 'tag', tag: '{{tag}}-quarantine' }, rules: [noCompilers] }),
    ]);
    expect(verdict.policies[0].result).toBe('fail');
    expect(verdict.decision).toBe('tag');
  });

  it('records an audit policy failure but never acts on it', () => {
    const verdict = run([
      loaded('audited', { mode: 'audit', rules: [noCompilers] }),
      loaded('audited-broken', { mode: 'audit', rules: [badSchema] }),
    ]);
    expect(verdict.policies.map((p) => [p.mode, p.result])).toEqual([
      ['audit', 'fail'],
      ['audit', 'error'],
    ]);
    expect(verdict.policies[0].violations).toHaveLength(1);
    expect(verdict.decision).toBe('pass');
  });

  it('applies the mode of the scope the image is in: one policy enforced in prod, audited elsewhere', () => {
    const policy = loaded('toolchain', {
      modes: [{ match: { repositories: ['prod/**'] }, mode: 'enforce' }, { mode: 'audit' }],
      rules: [noCompilers],
    });
    const prod = run([policy]);
    expect(prod.policies.map((p) => [p.name, p.mode, p.result])).toEqual([['toolchain', 'enforce', 'fail']]);
    expect(prod.decision).toBe('reject');
    const dev = run([policy], {}, { ...target, repository: 'dev/api', image: 'registry.test/dev/api:1.0' });
    expect(dev.policies.map((p) => [p.name, p.mode, p.result])).toEqual([['toolchain', 'audit', 'fail']]);
    expect(dev.policies[0].violations).toHaveLength(1);
    expect(dev.decision).toBe('pass');
  });

  it('reports a rule that does not compile as error, never as fail', () => {
    const verdict = run([loaded('broken', { rules: [badSchema, noCompilers] })]);
    const [policy] = verdict.policies;
    expect(policy.result).toBe('error');
    expect(policy.error).toMatch(/compiling the schema of rule broken of policy broken/);
    expect(verdict.decision).toBe('error');
  });

  it('reports a validator that throws as error', () => {
    const [compiled] = compilePolicies([loaded('throws', { rules: [noCompilers] })]);
    const throwing = Object.assign(
      () => {
        throw new Error('boom');
      },
      { errors: null },
    ) as unknown as NonNullable<(typeof compiled.rules)[0]['validate']>;
    compiled.rules[0] = { ...compiled.rules[0], validate: throwing };
    const verdict = evaluate([compiled], facts(), target, options);
    expect(verdict.policies[0]).toMatchObject({
      result: 'error',
      error: expect.stringMatching(/no-compilers.*boom/),
    });
    expect(verdict.decision).toBe('error');
  });

  it('fails closed by default and ignores errors when fail-open', () => {
    const policies = [
      loaded('broken', { rules: [badSchema] }),
      loaded('w', { onFail: { action: 'warn' }, rules: [noCompilers] }),
    ];
    expect(run(policies).decision).toBe('error');
    expect(run(policies, { onError: 'fail-closed' }).decision).toBe('error');
    const open = run(policies, { onError: 'fail-open' });
    expect(open.decision).toBe('warn');
    expect(open.policies[0].result).toBe('error');
  });

  it('decides reject > error > tag > warn > pass', () => {
    const reject = loaded('reject', { rules: [noCompilers] });
    const broken = loaded('broken', { rules: [badSchema] });
    const tag = loaded('tag', { onFail: { action: 'tag', tag: 'q' }, rules: [noCompilers] });
    const warn = loaded('warn', { onFail: { action: 'warn' }, rules: [noCompilers] });
    const pass = loaded('pass', { rules: [{ ...noCompilers, schema: {} }] });
    expect(run([pass, warn, tag, broken, reject]).decision).toBe('reject');
    expect(run([pass, warn, tag, broken]).decision).toBe('error');
    expect(run([pass, warn, tag, broken], { onError: 'fail-open' }).decision).toBe('tag');
    expect(run([warn, pass, tag]).decision).toBe('tag');
    expect(run([pass, warn]).decision).toBe('warn');
    expect(run([pass]).decision).toBe('pass');
    expect(run([]).decision).toBe('pass');
  });

  it('reports one violation per location for a rule ajv reports several times', () => {
    const rule: PolicyRule = {
      id: 'two',
      severity: 'low',
      message: 'm',
      schema: {
        properties: {
          compilers: { maxItems: 0, items: { properties: { name: { not: { const: 'gcc' } } } } },
        },
      },
    };
    const violations = run([loaded('p', { rules: [rule] })]).policies[0].violations;
    expect(violations.map((v) => v.instancePath)).toEqual(['/compilers', '/compilers/0/name']);
  });
});
