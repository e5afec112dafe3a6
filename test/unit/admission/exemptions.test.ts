import { describe, expect, it } from 'vitest';
import { createExemptions, MIRROR_POD_ANNOTATION } from '../../../src/admission/exemptions.js';
import { normalizeImageReference } from '../../../src/admission/normalize-image-reference.js';
import { reviewNames, reviewRequest } from './fixture.js';

const none = { exemptNamespaces: [], exemptImages: [] };

describe('createExemptions: namespaces', () => {
  it('kube-system always, and pushgate own namespace when given', () => {
    const exemptions = createExemptions(none, { ownNamespace: 'pushgate-system' });
    expect(exemptions.namespace('kube-system')).toMatch(/kube-system is exempt/);
    expect(exemptions.namespace('pushgate-system')).toMatch(/pushgate's own/);
    expect(exemptions.namespace('shop')).toBeUndefined();
    expect(createExemptions(none).namespace('pushgate-system')).toBeUndefined();
  });

  it('config exemptNamespaces are picomatch globs over the whole name', () => {
    const exemptions = createExemptions({
      exemptNamespaces: ['monitoring', 'team-*-sandbox'],
      exemptImages: [],
    });
    expect(exemptions.namespace('monitoring')).toMatch(/matches exemptNamespaces monitoring/);
    expect(exemptions.namespace('team-a-sandbox')).toMatch(/team-\*-sandbox/);
    expect(exemptions.namespace('monitoring-2')).toBeUndefined();
    expect(exemptions.namespace('team-a-prod')).toBeUndefined();
  });

  it('a cluster-scoped object (no namespace) is never exempt by namespace', () => {
    const exemptions = createExemptions({ exemptNamespaces: ['**'], exemptImages: [] });
    expect(exemptions.namespace(undefined)).toBeUndefined();
    expect(exemptions.namespace('')).toBeUndefined();
  });

  it('the DaemonSet fixture in kube-system is exempt; the others are not', () => {
    const exemptions = createExemptions(none, { ownNamespace: 'pushgate' });
    const exempt = reviewNames().filter(
      (name) => exemptions.namespace(reviewRequest(name).namespace) !== undefined,
    );
    expect(exempt).toEqual(['daemonset-create']);
  });
});

describe('createExemptions: mirror pods', () => {
  it('the kubelet mirror pod fixture is exempt; no other fixture is', () => {
    const exemptions = createExemptions(none);
    expect(exemptions.object(reviewRequest('pod-mirror'))).toMatch(/mirror pod/);
    const others = reviewNames().filter((name) => name !== 'pod-mirror');
    for (const name of others) expect(exemptions.object(reviewRequest(name)), name).toBeUndefined();
  });

  it('only Pods: the annotation on a controller template proves nothing', () => {
    const exemptions = createExemptions(none);
    const deployment = reviewRequest('deployment-create');
    const object = deployment.object as { metadata: Record<string, unknown> };
    object.metadata.annotations = { [MIRROR_POD_ANNOTATION]: 'x' };
    expect(exemptions.object(deployment)).toBeUndefined();
  });

  it('tolerates objects without metadata or annotations', () => {
    const exemptions = createExemptions(none);
    const pod = reviewRequest('pod-create');
    for (const object of [null, undefined, 'x', { metadata: null }, { metadata: { annotations: [] } }]) {
      expect(exemptions.object({ ...pod, object })).toBeUndefined();
    }
  });
});

describe('createExemptions: images', () => {
  const exemptions = createExemptions({
    exemptNamespaces: [],
    exemptImages: ['registry.k8s.io/**', 'docker.io/library/busybox:*'],
  });
  const exempt = (written: string): string | undefined => {
    const normalized = normalizeImageReference(written);
    if (!normalized.ok) throw new Error(normalized.error);
    return exemptions.image(normalized.text);
  };

  it('patterns match the normalised reference, whatever short form the pod uses', () => {
    expect(exempt('busybox:1.36')).toMatch(/docker\.io\/library\/busybox:\*/);
    expect(exempt('busybox')).toBeDefined();
    expect(exempt('docker.io/library/busybox:1.36')).toBeDefined();
    expect(exempt(`registry.k8s.io/pause:3.10@sha256:${'b'.repeat(64)}`)).toBeDefined();
    expect(exempt('registry.k8s.io/kube-proxy:v1.35.0')).toBeDefined();
  });

  it('and nothing else', () => {
    expect(exempt('team/busybox:1')).toBeUndefined();
    expect(exempt('registry.k8s.io.evil.example.com/pause:3')).toBeUndefined();
    expect(exempt('nginx:1.27')).toBeUndefined();
  });

  it('no patterns, no image exemption', () => {
    expect(createExemptions(none).image('docker.io/library/nginx:latest')).toBeUndefined();
  });
});
