import { describe, expect, it } from 'vitest';
import { extractImages } from '../../../src/admission/extract-images.js';
import { pinPatch } from '../../../src/admission/pin-patch.js';
import type { AdmissionRequest, ImageDecision, ImageOutcome } from '../../../src/admission/types.js';
import { reviewRequest } from './fixture.js';

const DIGEST = `sha256:${'e'.repeat(64)}`;

/** The request's images with one outcome; `digest: null` for none. */
function judged(
  request: AdmissionRequest,
  outcome: ImageOutcome = 'pass',
  digest: string | null = DIGEST,
): ImageDecision[] {
  return extractImages(request).images.map((image) => ({
    image,
    outcome,
    reasons: [],
    ...(digest !== null ? { digest } : {}),
  }));
}

describe('pinPatch', () => {
  it('a pod: every judged image becomes repo:tag@digest at its pointer', () => {
    const request = reviewRequest('pod-create');
    expect(pinPatch(judged(request), { mode: 'enforce', kind: request.kind })).toEqual([
      {
        op: 'replace',
        path: '/spec/initContainers/0/image',
        value: `registry.example.com/shop/migrate:1.4.2@${DIGEST}`,
      },
      {
        op: 'replace',
        path: '/spec/containers/0/image',
        value: `registry.example.com/shop/web:1.4.2@${DIGEST}`,
      },
      {
        op: 'replace',
        path: '/spec/containers/1/image',
        value: `registry.example.com/shop/metrics-agent:0.9@${DIGEST}`,
      },
      {
        op: 'replace',
        path: '/spec/volumes/0/image/reference',
        value: `registry.example.com/shop/assets:2025-06@${DIGEST}`,
      },
    ]);
  });

  it('kubectl debug: the new ephemeral container only', () => {
    const request = reviewRequest('pod-ephemeral-debug');
    expect(pinPatch(judged(request, 'warn'), { mode: 'enforce', kind: request.kind })).toEqual([
      { op: 'replace', path: '/spec/ephemeralContainers/0/image', value: `busybox:1.36@${DIGEST}` },
    ]);
  });

  it('an implied tag is written out, a registry port is not taken for a tag', () => {
    const request = reviewRequest('pod-create');
    const decisions = judged(request).slice(1, 3);
    decisions[0]!.image = { ...decisions[0]!.image, image: 'nginx' };
    decisions[1]!.image = { ...decisions[1]!.image, image: 'reg:5000/team/app' };
    expect(pinPatch(decisions, { mode: 'enforce', kind: request.kind }).map((op) => op.value)).toEqual([
      `nginx:latest@${DIGEST}`,
      `reg:5000/team/app:latest@${DIGEST}`,
    ]);
  });

  it.each([
    'deployment-create',
    'job-create-dry-run',
    'cronjob-create',
    'statefulset-create',
    'daemonset-create',
    'replicaset-create',
    'replicationcontroller-create',
  ])('never a controller (%s): GitOps tools would fight it', (fixture) => {
    const request = reviewRequest(fixture);
    expect(judged(request).length).toBeGreaterThan(0);
    expect(pinPatch(judged(request), { mode: 'enforce', kind: request.kind })).toEqual([]);
    // Not merely because template pointers look different: the kind alone decides.
    const podLike = judged(request).map((d) => ({
      ...d,
      image: { ...d.image, pointer: '/spec/containers/0/image' },
    }));
    expect(pinPatch(podLike, { mode: 'enforce', kind: request.kind })).toEqual([]);
  });

  it('never in audit mode', () => {
    const request = reviewRequest('pod-create');
    expect(pinPatch(judged(request), { mode: 'audit', kind: request.kind })).toEqual([]);
  });

  it('never a reference that already has a digest', () => {
    const request = reviewRequest('pod-create-pinned');
    expect(judged(request)).toHaveLength(1);
    expect(pinPatch(judged(request), { mode: 'enforce', kind: request.kind })).toEqual([]);
  });

  it('only judged, allowed images with a well-formed digest', () => {
    const request = reviewRequest('pod-create');
    for (const outcome of ['reject', 'error', 'unknown', 'unconfigured', 'unavailable'] as const) {
      expect(pinPatch(judged(request, outcome), { mode: 'enforce', kind: request.kind }), outcome).toEqual(
        [],
      );
    }
    for (const digest of [null, '', 'sha256:abc', `sha256:${'E'.repeat(64)}`, `${DIGEST}"`]) {
      expect(pinPatch(judged(request, 'pass', digest), { mode: 'enforce', kind: request.kind })).toEqual([]);
    }
  });

  it('only pointers extractImages writes into a pod spec', () => {
    const request = reviewRequest('pod-create');
    const [first] = judged(request);
    const forged = { ...first!, image: { ...first!.image, pointer: '/metadata/annotations/x' } };
    expect(pinPatch([forged], { mode: 'enforce', kind: request.kind })).toEqual([]);
  });
});
