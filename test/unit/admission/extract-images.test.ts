import { describe, expect, it } from 'vitest';
import { extractImages } from '../../../src/admission/extract-images.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import {
  CRON_IMAGE,
  DEBUG_IMAGE,
  INIT_IMAGE,
  JOB_IMAGE,
  PROXY_IMAGE,
  SIDECAR_IMAGE,
  VOLUME_IMAGE,
  WEB_IMAGE,
  WEB_IMAGE_NEXT,
} from '../../support/admission-fixtures.js';
import { reviewNames, reviewRequest } from './fixture.js';

const TEMPLATE = '/spec/template/spec';

function podRequest(spec: unknown, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'u',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    operation: 'CREATE',
    namespace: 'shop',
    name: 'p',
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec },
    ...overrides,
  };
}

describe('extractImages over the kubectl and API-reference fixtures', () => {
  it('a Deployment (kubectl create deployment): every container of its pod template', () => {
    expect(extractImages(reviewRequest('deployment-create'))).toEqual({
      images: [
        { slot: 'container', name: 'web', image: WEB_IMAGE, pointer: `${TEMPLATE}/containers/0/image` },
        {
          slot: 'container',
          name: 'metrics-agent',
          image: SIDECAR_IMAGE,
          pointer: `${TEMPLATE}/containers/1/image`,
        },
        { slot: 'container', name: 'nginx', image: PROXY_IMAGE, pointer: `${TEMPLATE}/containers/2/image` },
      ],
      malformed: [],
    });
  });

  it('a Job (kubectl create job) and a batch/v1 CronJob (kubectl create cronjob)', () => {
    expect(extractImages(reviewRequest('job-create-dry-run')).images).toEqual([
      { slot: 'container', name: 'report', image: JOB_IMAGE, pointer: `${TEMPLATE}/containers/0/image` },
    ]);
    expect(extractImages(reviewRequest('cronjob-create')).images).toEqual([
      {
        slot: 'container',
        name: 'cleanup',
        image: CRON_IMAGE,
        pointer: '/spec/jobTemplate/spec/template/spec/containers/0/image',
      },
    ]);
  });

  it.each([
    [
      'statefulset-create',
      ['init-perms', 'busybox:1.36', 'initContainers/0'],
      ['postgres', 'postgres:17.5', 'containers/0'],
    ],
    ['daemonset-create', ['kube-proxy', 'registry.k8s.io/kube-proxy:v1.35.0', 'containers/0']],
    [
      'replicaset-create',
      ['web', WEB_IMAGE, 'containers/0'],
      ['metrics-agent', SIDECAR_IMAGE, 'containers/1'],
    ],
    ['replicationcontroller-create', ['frontend', 'registry.example.com/legacy/frontend:7', 'containers/0']],
  ])('%s: its pod template', (fixture, ...expected) => {
    const { images, skip, malformed } = extractImages(reviewRequest(fixture));
    expect(skip).toBeUndefined();
    expect(malformed).toEqual([]);
    expect(images.map((image) => [image.name, image.image, image.pointer])).toEqual(
      expected.map(([name, image, at]) => [name, image, `${TEMPLATE}/${at}/image`]),
    );
  });

  it('a Pod: init containers, containers and image volumes, with pointers into the object', () => {
    const request = reviewRequest('pod-create');
    const { images } = extractImages(request);
    expect(images).toEqual([
      { slot: 'initContainer', name: 'migrate', image: INIT_IMAGE, pointer: '/spec/initContainers/0/image' },
      { slot: 'container', name: 'web', image: WEB_IMAGE, pointer: '/spec/containers/0/image' },
      { slot: 'container', name: 'metrics-agent', image: SIDECAR_IMAGE, pointer: '/spec/containers/1/image' },
      {
        slot: 'imageVolume',
        name: 'assets',
        image: VOLUME_IMAGE,
        pointer: '/spec/volumes/0/image/reference',
      },
    ]);
    // Each pointer leads to the image in the object (what the mutating patch replaces).
    for (const image of images) expect(resolvePointer(request.object, image.pointer)).toBe(image.image);
  });

  it('a pod owned by a ReplicaSet is checked on its own: no blanket approval of children', () => {
    const request = reviewRequest('pod-create');
    expect(JSON.stringify(request.object)).toContain('"ownerReferences"');
    expect(extractImages(request).images).toHaveLength(4);
  });

  it('kubectl debug (pods/ephemeralcontainers UPDATE): only the new ephemeral container', () => {
    expect(extractImages(reviewRequest('pod-ephemeral-debug'))).toEqual({
      images: [
        {
          slot: 'ephemeralContainer',
          name: 'debugger-7xk2q',
          image: DEBUG_IMAGE,
          pointer: '/spec/ephemeralContainers/0/image',
        },
      ],
      malformed: [],
    });
  });

  it('UPDATE: an image changed in place is new, the unchanged ones are not', () => {
    expect(extractImages(reviewRequest('pod-update-image')).images).toEqual([
      { slot: 'container', name: 'web', image: WEB_IMAGE_NEXT, pointer: '/spec/containers/0/image' },
    ]);
    expect(extractImages(reviewRequest('deployment-update-image')).images).toEqual([
      { slot: 'container', name: 'web', image: WEB_IMAGE_NEXT, pointer: `${TEMPLATE}/containers/0/image` },
    ]);
  });

  it('UPDATE that adds no image (a scale-down of the Deployment): nothing to judge, not skipped', () => {
    expect(extractImages(reviewRequest('deployment-update-scale-down'))).toEqual({
      images: [],
      malformed: [],
    });
  });

  it.each([
    ['deployment-scale', /subresource deployments\/scale/],
    ['pod-status-update', /subresource pods\/status/],
    ['pod-delete', /DELETE/],
    ['pod-exec-connect', /CONNECT/],
    ['pod-update-terminating', /being deleted/],
  ])('%s is skipped with a reason', (fixture, reason) => {
    const result = extractImages(reviewRequest(fixture));
    expect(result.skip).toMatch(reason);
    expect(result.images).toEqual([]);
  });

  it('every fixture is either skipped or yields images the same way twice (pure)', () => {
    for (const name of reviewNames()) {
      const request = reviewRequest(name);
      expect(extractImages(request), name).toEqual(extractImages(structuredClone(request)));
    }
  });
});

describe('extractImages, edge cases', () => {
  it('UPDATE: the same image moved to another container, or a container renamed, is new', () => {
    const old = { containers: [{ name: 'a', image: 'x:1' }] };
    const request = podRequest(
      { containers: [{ name: 'b', image: 'x:1' }], initContainers: [{ name: 'a', image: 'x:1' }] },
      { operation: 'UPDATE', oldObject: { kind: 'Pod', spec: old } },
    );
    expect(extractImages(request).images.map((i) => `${i.slot}/${i.name}`)).toEqual([
      'initContainer/a',
      'container/b',
    ]);
  });

  it('UPDATE without a readable oldObject judges every image (fail closed)', () => {
    for (const oldObject of [undefined, null, 'x', { spec: null }]) {
      const request = podRequest(
        { containers: [{ name: 'a', image: 'x:1' }] },
        { operation: 'UPDATE', oldObject },
      );
      expect(extractImages(request).images).toHaveLength(1);
    }
  });

  it('a deletion timestamp on CREATE is not trusted', () => {
    const request = podRequest({ containers: [{ name: 'a', image: 'x:1' }] });
    (request.object as { metadata: object }).metadata = { deletionTimestamp: '2025-01-01T00:00:00Z' };
    expect(extractImages(request)).toEqual({
      images: [expect.objectContaining({ image: 'x:1' })],
      malformed: [],
    });
  });

  it('kinds without a pod template are skipped; kinds are matched with their API group', () => {
    const configMap = podRequest({}, { kind: { group: '', version: 'v1', kind: 'ConfigMap' } });
    expect(extractImages(configMap).skip).toMatch(/kind \/ConfigMap/);
    // A custom resource that happens to be called Deployment is not apps/v1 Deployment.
    const custom = podRequest({}, { kind: { group: 'example.com', version: 'v1', kind: 'Deployment' } });
    expect(extractImages(custom).skip).toMatch(/example\.com\/Deployment/);
  });

  it('other pod subresources (binding, eviction, resize) are skipped; ephemeralcontainers on a non-pod is too', () => {
    for (const subResource of ['binding', 'eviction', 'resize']) {
      expect(extractImages(podRequest({}, { subResource })).skip).toMatch(subResource);
    }
    const deployment = podRequest(
      {},
      { kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, subResource: 'ephemeralcontainers' },
    );
    expect(extractImages(deployment).skip).toMatch(/subresource/);
  });

  it('a container without an image (missing, null, empty) is left out; without a name it is named by position', () => {
    const request = podRequest({
      containers: [{ name: 'a' }, { name: 'b', image: null }, { name: 'c', image: '' }, { image: 'x:1' }],
      volumes: [
        { name: 'v', image: {} },
        { name: 'w', image: { reference: '' } },
        { name: 'e', emptyDir: {} },
      ],
    });
    expect(extractImages(request)).toEqual({
      images: [
        { slot: 'container', name: 'container #3', image: 'x:1', pointer: '/spec/containers/3/image' },
      ],
      malformed: [],
    });
  });

  it('never throws on malformed objects, and reports what it could not read', () => {
    const specs: Array<[unknown, RegExp]> = [
      [null, /\/spec is null, not a pod spec/],
      ['x', /\/spec is a string/],
      [[], /\/spec is a list/],
      [{ containers: 'nginx' }, /\/spec\/containers is a string, not a list/],
      [{ containers: { 0: { image: 'x' } } }, /\/spec\/containers is an object, not a list/],
      [{ containers: [null] }, /\/spec\/containers\/0 is null, not a container/],
      [{ containers: [7] }, /\/spec\/containers\/0 is a number/],
      [{ containers: [{ name: 'a', image: 42 }] }, /\/spec\/containers\/0\/image is a number, not a string/],
      [{ containers: [{ name: 'a', image: { ref: 'x' } }] }, /image is an object/],
      [{ initContainers: [{ name: 'a', image: ['x'] }] }, /\/spec\/initContainers\/0\/image is a list/],
      [{ volumes: 'x' }, /\/spec\/volumes is a string/],
      [{ volumes: [null] }, /\/spec\/volumes\/0 is null/],
      [
        { volumes: [{ name: 'v', image: 'x:1' }] },
        /\/spec\/volumes\/0\/image is a string, not an image volume source/,
      ],
      [
        { volumes: [{ name: 'v', image: { reference: 1 } }] },
        /\/spec\/volumes\/0\/image\/reference is a number/,
      ],
    ];
    for (const [spec, problem] of specs) {
      const result = extractImages(podRequest(spec));
      expect(result.malformed.join('\n'), JSON.stringify(spec)).toMatch(problem);
      expect(result.images).toEqual([]);
    }
  });

  it('a good container beside a malformed one is still listed', () => {
    const result = extractImages(
      podRequest({
        containers: [
          { name: 'a', image: 'x:1' },
          { name: 'b', image: 1 },
        ],
      }),
    );
    expect(result.images.map((image) => image.image)).toEqual(['x:1']);
    expect(result.malformed).toHaveLength(1);
  });

  it('a CREATE without an object, and a request with a broken kind, do not throw', () => {
    expect(extractImages(podRequest({}, { object: undefined })).malformed).toEqual([
      'CREATE of Pod carries no object',
    ]);
    expect(extractImages(podRequest({}, { object: [] })).malformed).toHaveLength(1);
    const broken = podRequest({}, { kind: null as unknown as AdmissionRequest['kind'] });
    expect(extractImages(broken).skip).toMatch(/has no pod template/);
    const weird = podRequest({}, { operation: 'PATCH' as AdmissionRequest['operation'] });
    expect(extractImages(weird).skip).toMatch(/PATCH runs no new image/);
  });

  it('a controller without a pod template is malformed, not skipped', () => {
    const request = podRequest(
      {},
      {
        kind: { group: 'batch', version: 'v1', kind: 'CronJob' },
        object: { kind: 'CronJob', spec: { jobTemplate: { spec: {} } } },
      },
    );
    expect(extractImages(request).malformed).toEqual([
      '/spec/jobTemplate/spec/template/spec is missing, not a pod spec',
    ]);
  });

  it('names and kinds from the request are escaped in what it reports', () => {
    const request = podRequest({}, { kind: { group: '', version: 'v1', kind: 'Evil\u001b[2J' } });
    expect(extractImages(request).skip).not.toContain('\u001b');
  });
});

function resolvePointer(object: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, segment) => (node as Record<string, unknown>)[segment], object);
}
