import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runPolicyTests } from '../../../src/policy/run-policy-tests.js';
import { loadPolicies } from '../../../src/policy/load-policies.js';
import { compilePolicies } from '../../../src/policy/compile-policies.js';
import { evaluate } from '../../../src/policy/evaluate.js';
import type { ImageFacts } from '../../../src/facts/image-facts.js';
import { scanBuiltImage } from '../../support/scan-built-image.js';
import { buildMultiStageImage, buildSingleStageImage } from '../../support/seed-images.js';

const FOLDER = 'test/fixtures/policies/savings-budget';
const FIXTURES = {
  'single-stage': buildSingleStageImage,
  'multi-stage': buildMultiStageImage,
} as const;

/** The sections the policy reads, from a real scan of the seed-like image. */
async function partialFacts(build: () => ReturnType<typeof buildSingleStageImage>): Promise<object> {
  const { facts } = await scanBuiltImage(await build());
  const { image, savings } = facts as ImageFacts;
  return { image, savings };
}

describe('a policy on the savings section (`savings.removableRatio maximum 0.5`)', () => {
  it('the fixtures hold what the scanner reports for the seed-like images', async () => {
    for (const [name, build] of Object.entries(FIXTURES)) {
      const path = `${FOLDER}/tests/facts/${name}.json`;
      const expected = await partialFacts(build);
      // PUSHGATE_WRITE_FIXTURES=1 rewrites them after a deliberate change of the attribution.
      if (process.env.PUSHGATE_WRITE_FIXTURES === '1')
        await writeFile(path, `${JSON.stringify(expected, null, 2)}\n`);
      expect(JSON.parse(await readFile(path, 'utf8')), name).toEqual(expected);
    }
  });

  it('rejects the single-stage image and passes the multi-stage one', async () => {
    const run = await runPolicyTests([FOLDER]);
    expect(run.results.filter((r) => !r.ok)).toEqual([]);
    expect(run.passed).toBe(6);
  });

  it('names the bytes in its message, evaluated on a fresh scan', async () => {
    const { policies } = await loadPolicies([`${FOLDER}/policy.yaml`]);
    const { facts } = await scanBuiltImage(await buildSingleStageImage());
    const verdict = evaluate(
      compilePolicies(policies),
      facts,
      { digest: 'sha256:0', image: 'x', platform: 'linux/amd64', registry: 'r.test', repository: 'prod/app' },
      { onError: 'fail-closed', policySetVersion: '1' },
    );
    expect(verdict.decision).toBe('reject');
    expect(JSON.stringify(verdict.policies)).toMatch(
      /of \d+ bytes would go with a multi-stage build \(ratio 0\.6\d+\)/,
    );
  });
});
