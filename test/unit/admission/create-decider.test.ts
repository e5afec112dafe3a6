import { describe, expect, it } from 'vitest';
import type { AdmissionConfig, RegistryConfig } from '../../../src/config/types.js';
import { createAdmissionDecider, MAX_IMAGES_PER_REVIEW } from '../../../src/admission/create-decider.js';
import { DecisionCache } from '../../../src/admission/decision-cache.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import { createLogger } from '../../../src/logger.js';

const DIGEST = `sha256:${'e'.repeat(64)}`;
const registry: RegistryConfig = {
  name: 'local',
  url: 'https://registry.example.com',
  host: 'registry.example.com',
  aliases: [],
  allowDelete: true,
};
const admission: AdmissionConfig = {
  enabled: true,
  port: 8443,
  host: '127.0.0.1',
  mode: 'enforce',
  maxBodyBytes: 4 << 20,
  deadlineMs: 3000,
  errorVerdicts: 'allow',
  unknownImages: 'allow',
  unconfiguredRegistries: 'allow',
  onUnavailable: 'deny',
  exemptNamespaces: [],
  exemptImages: ['registry.example.com/shop/app:debug-*'],
  mutate: { enabled: false },
  protectAdmittedDays: 30,
};

/** Facts that always reject: every image reaching the judge is denied, so an exemption is visible. */
function decider() {
  return createAdmissionDecider({
    config: { admission, registries: [registry] },
    judge: {
      registries: [registry],
      policySet: { compiled: [], version: 'v1' },
      onError: 'fail-closed',
      facts: { get: () => Promise.resolve(undefined) },
      verdicts: {
        get: () => Promise.resolve({ decision: 'reject', unjudged: true } as never),
      },
      tags: { resolve: () => Promise.resolve(DIGEST) },
      cache: new DecisionCache(),
    },
    enqueueInspection: () => Promise.resolve(),
    logger: createLogger({ level: 'silent' }),
  });
}

function podWith(images: string[]): AdmissionRequest {
  return {
    uid: 'u1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    name: 'p',
    namespace: 'team-a',
    operation: 'CREATE',
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
    },
    dryRun: true,
  };
}

const signal = new AbortController().signal;

describe('createAdmissionDecider: what the review fixes hold', () => {
  it('denies a reference pushgate cannot read even when errorVerdicts allows (a runtime might run it)', async () => {
    const answer = await decider().validate(podWith([`sha256:${'b'.repeat(64)}`]), signal);
    expect(answer.allowed).toBe(false);
    expect(answer.message).toMatch(/image id/);
  });

  it('lets a tag beside a digest exempt nothing: the digest is what runs', async () => {
    const byTag = await decider().validate(podWith(['registry.example.com/shop/app:debug-1']), signal);
    expect(byTag.allowed).toBe(true);
    const withDigest = await decider().validate(
      podWith([`registry.example.com/shop/app:debug-1@${DIGEST}`]),
      signal,
    );
    expect(withDigest.allowed).toBe(false);
  });

  it(`denies a review with more than ${MAX_IMAGES_PER_REVIEW} images without judging them`, async () => {
    const images = Array.from(
      { length: MAX_IMAGES_PER_REVIEW + 1 },
      (_, i) => `registry.example.com/a/b:${i}`,
    );
    const answer = await decider().validate(podWith(images), signal);
    expect(answer.allowed).toBe(false);
    expect(answer.message).toMatch(/more than 64/);
  });
});
