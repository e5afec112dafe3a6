import { describe, expect, it } from 'vitest';
import { findWaiver, isWaiverExpired } from '../../../src/policy/apply-waivers.js';
import { compilePolicies } from '../../../src/policy/compile-policies.js';
import { evaluate, type EvaluationTarget } from '../../../src/policy/evaluate.js';
import type { Waiver } from '../../../src/policy/types.js';
import { facts, loaded, noCompilers, nonRoot, target } from './evaluate-fixtures.js';

const now = new Date('2026-06-01T12:00:00Z');
const base: Waiver = {
  rule: 'no-compilers',
  expires: '2026-06-30',
  reason: 'migrating to a distroless base',
  owner: 'team-api',
};

function verdict(waivers: Waiver[], t: EvaluationTarget = target, at = now) {
  const compiled = compilePolicies([loaded('strict', { rules: [noCompilers, nonRoot], waivers })]);
  return evaluate(compiled, facts(), t, { policySetVersion: 'v', now: at });
}

function waived(waivers: Waiver[], t: EvaluationTarget = target, at = now): boolean {
  return (
    verdict(waivers, t, at).policies[0].violations.find((v) => v.rule === 'no-compilers')?.waived !==
    undefined
  );
}

describe('waivers', () => {
  it('a matching waiver marks the violation waived and it no longer counts', () => {
    const onlyCompilers = compilePolicies([loaded('p', { rules: [noCompilers], waivers: [base] })]);
    const result = evaluate(onlyCompilers, facts(), target, { policySetVersion: 'v', now });
    expect(result.policies[0].result).toBe('pass');
    expect(result.decision).toBe('pass');
    expect(result.policies[0].violations[0].waived).toEqual({
      reason: 'migrating to a distroless base',
      expires: '2026-06-30',
      owner: 'team-api',
    });
  });

  it('applies only to its rule', () => {
    const result = verdict([base]);
    expect(result.policies[0].violations.find((v) => v.rule === 'non-root')?.waived).toBeUndefined();
    expect(result.policies[0].result).toBe('fail');
  });

  it('applies only inside its repositories, tags and digest', () => {
    expect(waived([{ ...base, repositories: ['prod/**'] }])).toBe(true);
    expect(waived([{ ...base, repositories: ['staging/**'] }])).toBe(false);
    expect(waived([{ ...base, tags: ['1.*'] }])).toBe(true);
    expect(waived([{ ...base, tags: ['2.*'] }])).toBe(false);
    expect(waived([{ ...base, tags: ['*'] }], { ...target, tag: undefined })).toBe(false);
    expect(waived([{ ...base, digest: target.digest }])).toBe(true);
    expect(waived([{ ...base, digest: 'sha256:other' }])).toBe(false);
  });

  it('paths must cover every piece of evidence', () => {
    expect(waived([{ ...base, paths: ['/usr/bin/*', '/usr/lib/**'] }])).toBe(true);
    expect(waived([{ ...base, paths: ['usr/**'] }])).toBe(true);
    expect(waived([{ ...base, paths: ['/usr/bin/make'] }])).toBe(false);
  });

  it('paths never cover a violation without file evidence, not even `**`', () => {
    // A waiver limited to paths speaks only for those files; a violation that names none (a
    // compiler found without evidence, a size or user rule) is not one it was written for.
    const everywhere: Waiver = { ...base, paths: ['**'] };
    const bare = facts({ compilers: [{ name: 'gcc', kind: 'c', evidence: [] }] });
    const compiled = compilePolicies([loaded('p', { rules: [noCompilers], waivers: [everywhere] })]);
    const result = evaluate(compiled, bare, target, { policySetVersion: 'v', now });
    expect(result.policies[0].violations).toHaveLength(1);
    expect(result.policies[0].violations[0].waived).toBeUndefined();
    expect(result.policies[0].result).toBe('fail');
    // The same waiver covers the same violation once it has file evidence, so `**` itself works.
    expect(waived([everywhere])).toBe(true);
    expect(
      findWaiver([everywhere], { rule: 'no-compilers', evidencePaths: [] }, target, now),
    ).toBeUndefined();
    expect(findWaiver([base], { rule: 'no-compilers', evidencePaths: [] }, target, now)).toBe(base);
  });

  it('applies through its expiry day and never after', () => {
    expect(waived([base], target, new Date('2026-06-30T23:59:59Z'))).toBe(true);
    expect(waived([base], target, new Date('2026-07-01T00:00:00Z'))).toBe(false);
    expect(waived([{ ...base, expires: '2026-05-31' }])).toBe(false);
  });

  it('treats an unparseable expiry as expired', () => {
    expect(isWaiverExpired({ expires: 'next year' }, now)).toBe(true);
    expect(isWaiverExpired({ expires: '2026-13-45' }, now)).toBe(true);
    expect(isWaiverExpired({ expires: '2027-01-01' }, now)).toBe(false);
  });
});
