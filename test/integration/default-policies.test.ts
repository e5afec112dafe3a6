import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageFacts } from '../../src/facts/image-facts.js';
import { compilePolicies, type CompiledPolicy } from '../../src/policy/compile-policies.js';
import { evaluate, type EvaluationTarget } from '../../src/policy/evaluate.js';
import { loadPolicies } from '../../src/policy/load-policies.js';
import { runPolicyTests } from '../../src/policy/run-policy-tests.js';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/run-cli.js';
import { scanBuiltImage } from '../support/scan-built-image.js';
import { buildMultiStageImage, buildSingleStageImage } from '../support/seed-images.js';

const POLICIES = join(REPO_ROOT, 'policies');

function target(facts: ImageFacts, repository: string, tag = '1.0'): EvaluationTarget {
  return {
    digest: facts.image.configDigest,
    image: `registry.example.com/${repository}:${tag}`,
    registry: 'registry.example.com',
    repository,
    tag,
    platform: facts.image.platform,
  };
}

describe('the default policy set (policies/)', () => {
  let compiled: CompiledPolicy[];
  let version: string;
  let single: ImageFacts;
  let multi: ImageFacts;

  beforeAll(async () => {
    const loaded = await loadPolicies([POLICIES]);
    expect(loaded.problems).toEqual([]);
    compiled = compilePolicies(loaded.policies);
    version = loaded.version;
    single = (await scanBuiltImage(await buildSingleStageImage())).facts;
    multi = (await scanBuiltImage(await buildMultiStageImage())).facts;
  });

  it('loads without problems or expired waivers', async () => {
    const loaded = await loadPolicies([POLICIES]);
    expect(loaded.problems).toEqual([]);
    expect(loaded.expiredWaivers).toEqual([]);
    expect(loaded.policies.map((p) => p.policy.metadata.name)).toEqual(
      expect.arrayContaining(['no-build-toolchain', 'no-secrets', 'no-latest-tag', 'healthcheck']),
    );
  });

  it('passes its own tests', async () => {
    const run = await runPolicyTests([POLICIES]);
    expect(run.results.filter((r) => !r.ok)).toEqual([]);
    expect(run.failed).toBe(0);
    expect(run.passed).toBeGreaterThan(50);
  });

  it('rejects the seed single-stage image in prod/app with the expected violations', () => {
    const verdict = evaluate(compiled, single, target(single, 'prod/app'), { policySetVersion: version });
    expect(verdict.decision).toBe('reject');
    expect(verdict.policySetVersion).toBe(version);
    const failing = verdict.policies.filter((p) => p.result === 'fail').map((p) => p.name);
    expect(failing).toEqual(
      expect.arrayContaining([
        'no-build-toolchain',
        'no-shells',
        'no-package-managers',
        'no-dev-dependencies',
        'non-root-user',
        'no-secrets',
      ]),
    );
    const byName = new Map(verdict.policies.map((p) => [p.name, p]));
    expect(byName.get('no-build-toolchain')?.violations[0].message).toMatch(
      /^compilers or build tools in the final image: \S/,
    );
    // Every default policy is enforced in prod but the two audited everywhere; the latest-tag policy
    // does not apply to a version tag.
    expect(verdict.policies.filter((p) => p.mode !== 'enforce').map((p) => p.name)).toEqual([
      'build-cache-order',
      'native-architecture',
    ]);
    expect(byName.get('no-latest-tag')?.result).toBe('skip');
    const secrets = byName.get('no-secrets')?.violations ?? [];
    expect(secrets.length).toBeGreaterThan(0);
    // Secret values never reach a verdict.
    expect(JSON.stringify(verdict)).not.toContain('sk_live_');
  });

  it('only audits the single-stage image outside prod, except for its secrets', () => {
    const verdict = evaluate(compiled, single, target(single, 'dev/app'), { policySetVersion: version });
    expect(verdict.decision).toBe('reject');
    const enforcing = verdict.policies.filter((p) => p.mode === 'enforce' && p.result === 'fail');
    expect(enforcing.map((p) => p.name)).toEqual(['no-secrets']);
    const audited = verdict.policies
      .filter((p) => p.mode === 'audit' && p.result === 'fail')
      .map((p) => p.name);
    expect(audited).toEqual(expect.arrayContaining(['no-build-toolchain', 'no-shells']));
  });

  it('passes the seed multi-stage image in prod/app', () => {
    const verdict = evaluate(compiled, multi, target(multi, 'prod/app'), { policySetVersion: version });
    const notPassing = verdict.policies.filter((p) => p.result !== 'pass' && p.result !== 'skip');
    expect(notPassing.map((p) => [p.name, p.result, p.violations.map((v) => v.message)])).toEqual([]);
    expect(verdict.decision).toBe('pass');
  });

  it('warns about the tag latest', () => {
    const verdict = evaluate(compiled, multi, target(multi, 'prod/app', 'latest'), {
      policySetVersion: version,
    });
    expect(verdict.decision).toBe('warn');
    expect(verdict.policies.find((p) => p.name === 'no-latest-tag')?.result).toBe('warn');
  });
});
