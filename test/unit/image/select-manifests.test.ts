import { describe, expect, it } from 'vitest';
import { isAttestation } from '../../../src/image/select-manifests.js';

const digest = `sha256:${'d'.repeat(64)}`;
const child = (extra: Record<string, unknown>) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size: 1,
  ...extra,
});
const ANNOTATION = { 'vnd.docker.reference.type': 'attestation-manifest' };

describe('isAttestation: which index children are skipped as attestations', () => {
  it('skips BuildKit attestations (platform unknown/unknown, with or without the annotation)', () => {
    expect(isAttestation(child({ platform: { os: 'unknown', architecture: 'unknown' } }))).toBe(true);
    expect(
      isAttestation(child({ platform: { os: 'unknown', architecture: 'unknown' }, annotations: ANNOTATION })),
    ).toBe(true);
    expect(isAttestation(child({ annotations: ANNOTATION }))).toBe(true);
  });

  it('never skips a child naming a real platform, whatever its annotations say', () => {
    // A runtime on linux/amd64 would pick this child: skipping it would run an image never judged.
    expect(
      isAttestation(child({ platform: { os: 'linux', architecture: 'amd64' }, annotations: ANNOTATION })),
    ).toBe(false);
  });
});
