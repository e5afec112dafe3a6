// The AdmissionReview fixtures in test/fixtures/admission, built the way the API server builds
// them. Deployment, Job and CronJob objects are what real kubectl 1.35 prints offline
// (`kubectl create … --dry-run=client -o json`); `kubectl run` and the other workload kinds need an
// API server, so Pod, StatefulSet, DaemonSet, ReplicaSet, ReplicationController (and a Scale) are
// written here from the API reference. Objects get the pod-spec defaults the API server fills in
// before webhooks see them, then are wrapped in an admission.k8s.io/v1 AdmissionReview.
//
// `npx tsx test/support/write-admission-fixtures.ts` rewrites the files;
// test/unit/admission/fixtures.test.ts fails when they differ from what this builds.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { kubectlCreate } from './kubectl.js';
import { REPO_ROOT } from './run-cli.js';

export const ADMISSION_FIXTURE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'admission');

type Json = Record<string, unknown>;

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}
interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

const POD = { group: '', version: 'v1', kind: 'Pod' };
const PODS = { group: '', version: 'v1', resource: 'pods' };
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };

export const REGISTRY = 'registry.example.com';
export const WEB_IMAGE = `${REGISTRY}/shop/web:1.4.2`;
export const WEB_IMAGE_NEXT = `${REGISTRY}/shop/web:1.5.0`;
export const SIDECAR_IMAGE = `${REGISTRY}/shop/metrics-agent:0.9`;
export const PROXY_IMAGE = 'nginx:1.27';
export const JOB_IMAGE = `${REGISTRY}/batch/report:2025.1`;
export const CRON_IMAGE = `${REGISTRY}/batch/cleanup`;
export const DEBUG_IMAGE = 'busybox:1.36';
export const INIT_IMAGE = `${REGISTRY}/shop/migrate:1.4.2`;
export const VOLUME_IMAGE = `${REGISTRY}/shop/assets:2025-06`;
export const DIGEST_PINNED_IMAGE = `${REGISTRY}/shop/web:1.4.2@sha256:${'4d'.repeat(32)}`;

/** Everything the fixtures are made of: file name (without .json) → AdmissionReview. */
export async function buildAdmissionFixtures(): Promise<Map<string, Json>> {
  const fixtures = new Map<string, Json>();
  const add = (name: string, review: Json): void => {
    if (fixtures.has(name)) throw new Error(`duplicate admission fixture ${name}`);
    fixtures.set(name, review);
  };

  // Deployments, from kubectl. Its container names come from the images (web, metrics-agent, nginx).
  const deploymentArgs = (web: string, replicas: number): string[] => [
    'deployment',
    'web',
    '--namespace=shop',
    `--replicas=${replicas}`,
    `--image=${web}`,
    `--image=${SIDECAR_IMAGE}`,
    `--image=${PROXY_IMAGE}`,
    '--port=8080',
  ];
  const deployment = withDefaults(await kubectlCreate(deploymentArgs(WEB_IMAGE, 3)), 'shop');
  const deploymentNext = withDefaults(await kubectlCreate(deploymentArgs(WEB_IMAGE_NEXT, 3)), 'shop');
  const deploymentScaledDown = withDefaults(await kubectlCreate(deploymentArgs(WEB_IMAGE, 1)), 'shop');
  add(
    'deployment-create',
    review('deployment-create', {
      kind: DEPLOYMENT,
      resource: DEPLOYMENTS,
      operation: 'CREATE',
      object: deployment,
    }),
  );
  add(
    'deployment-update-image',
    review('deployment-update-image', {
      kind: DEPLOYMENT,
      resource: DEPLOYMENTS,
      operation: 'UPDATE',
      object: deploymentNext,
      oldObject: deployment,
    }),
  );
  add(
    'deployment-update-scale-down',
    review('deployment-update-scale-down', {
      kind: DEPLOYMENT,
      resource: DEPLOYMENTS,
      operation: 'UPDATE',
      object: deploymentScaledDown,
      oldObject: deployment,
    }),
  );
  // `kubectl scale deployment web --replicas=1`: the scale subresource, whose object is a Scale.
  add(
    'deployment-scale',
    review('deployment-scale', {
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      resource: DEPLOYMENTS,
      subResource: 'scale',
      operation: 'UPDATE',
      name: 'web',
      namespace: 'shop',
      object: scale(1),
      oldObject: scale(3),
    }),
  );

  // Job (kubectl, sent with --dry-run=server: the review says dryRun) and CronJob (batch/v1).
  const job = withDefaults(
    await kubectlCreate([
      'job',
      'report',
      '--namespace=batch',
      `--image=${JOB_IMAGE}`,
      '--',
      '/report',
      '--month=last',
    ]),
    'batch',
  );
  add(
    'job-create-dry-run',
    review('job-create-dry-run', {
      kind: { group: 'batch', version: 'v1', kind: 'Job' },
      resource: { group: 'batch', version: 'v1', resource: 'jobs' },
      operation: 'CREATE',
      object: job,
      dryRun: true,
    }),
  );
  const cronJob = withDefaults(
    await kubectlCreate([
      'cronjob',
      'cleanup',
      '--namespace=batch',
      `--image=${CRON_IMAGE}`,
      '--schedule=*/15 * * * *',
    ]),
    'batch',
  );
  add(
    'cronjob-create',
    review('cronjob-create', {
      kind: { group: 'batch', version: 'v1', kind: 'CronJob' },
      resource: { group: 'batch', version: 'v1', resource: 'cronjobs' },
      operation: 'CREATE',
      object: cronJob,
    }),
  );

  // Pods, by hand. A pod of the Deployment's ReplicaSet: owned, still checked on its own.
  const pod = withDefaults(podObject(), 'shop');
  add('pod-create', review('pod-create', { kind: POD, resource: PODS, operation: 'CREATE', object: pod }));
  // `kubectl debug -it web-… --image=busybox:1.36`: an UPDATE of pods/ephemeralcontainers.
  const debugged = structuredClone(pod);
  (debugged.spec as Json).ephemeralContainers = [
    withContainerDefaults({
      name: 'debugger-7xk2q',
      image: DEBUG_IMAGE,
      stdin: true,
      tty: true,
      targetContainerName: 'web',
    }),
  ];
  add(
    'pod-ephemeral-debug',
    review('pod-ephemeral-debug', {
      kind: POD,
      resource: PODS,
      subResource: 'ephemeralcontainers',
      operation: 'UPDATE',
      object: debugged,
      oldObject: pod,
    }),
  );
  // `kubectl set image pod/… web=…:1.5.0`: a pod's images are mutable in place.
  const repointed = structuredClone(pod);
  ((repointed.spec as Json).containers as Json[])[0]!.image = WEB_IMAGE_NEXT;
  add(
    'pod-update-image',
    review('pod-update-image', {
      kind: POD,
      resource: PODS,
      operation: 'UPDATE',
      object: repointed,
      oldObject: pod,
    }),
  );
  // The kubelet's status update.
  const running = structuredClone(pod);
  running.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  add(
    'pod-status-update',
    review('pod-status-update', {
      kind: POD,
      resource: PODS,
      subResource: 'status',
      operation: 'UPDATE',
      object: running,
      oldObject: pod,
      username: 'system:node:worker-1',
    }),
  );
  // A finalizer removed from a pod that is being deleted.
  const terminating = structuredClone(pod);
  Object.assign(terminating.metadata as Json, {
    deletionTimestamp: '2025-06-01T12:00:00Z',
    deletionGracePeriodSeconds: 30,
    finalizers: ['example.com/drain'],
  });
  const released = structuredClone(terminating);
  delete (released.metadata as Json).finalizers;
  add(
    'pod-update-terminating',
    review('pod-update-terminating', {
      kind: POD,
      resource: PODS,
      operation: 'UPDATE',
      object: released,
      oldObject: terminating,
    }),
  );
  add(
    'pod-delete',
    review('pod-delete', { kind: POD, resource: PODS, operation: 'DELETE', object: null, oldObject: pod }),
  );
  // `kubectl exec`: CONNECT on pods/exec, whose object is PodExecOptions.
  add(
    'pod-exec-connect',
    review('pod-exec-connect', {
      kind: { group: '', version: 'v1', kind: 'PodExecOptions' },
      resource: PODS,
      subResource: 'exec',
      operation: 'CONNECT',
      name: podName,
      namespace: 'shop',
      object: {
        kind: 'PodExecOptions',
        apiVersion: 'v1',
        stdin: true,
        stdout: true,
        tty: true,
        container: 'web',
        command: ['/bin/sh'],
      },
    }),
  );
  // The kubelet's mirror of a static pod (in a namespace that is not exempt by itself).
  add(
    'pod-mirror',
    review('pod-mirror', {
      kind: POD,
      resource: PODS,
      operation: 'CREATE',
      object: withDefaults(mirrorPodObject(), 'monitoring'),
      username: 'system:node:worker-1',
    }),
  );
  // A pod pinned by digest and one created with generateName (no name in the review yet).
  const pinned = withDefaults(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'web-pinned-', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: DIGEST_PINNED_IMAGE }] },
    },
    'shop',
  );
  add(
    'pod-create-pinned',
    review('pod-create-pinned', { kind: POD, resource: PODS, operation: 'CREATE', object: pinned, name: '' }),
  );

  // The other workload kinds, by hand from the API reference.
  const workloads: Array<[string, GroupVersionKind, GroupVersionResource, Json, string]> = [
    [
      'statefulset-create',
      { group: 'apps', version: 'v1', kind: 'StatefulSet' },
      { group: 'apps', version: 'v1', resource: 'statefulsets' },
      statefulSetObject(),
      'data',
    ],
    [
      'daemonset-create',
      { group: 'apps', version: 'v1', kind: 'DaemonSet' },
      { group: 'apps', version: 'v1', resource: 'daemonsets' },
      daemonSetObject(),
      'kube-system',
    ],
    [
      'replicaset-create',
      { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
      { group: 'apps', version: 'v1', resource: 'replicasets' },
      replicaSetObject(),
      'shop',
    ],
    [
      'replicationcontroller-create',
      { group: '', version: 'v1', kind: 'ReplicationController' },
      { group: '', version: 'v1', resource: 'replicationcontrollers' },
      replicationControllerObject(),
      'legacy',
    ],
  ];
  for (const [name, kind, resource, object, namespace] of workloads) {
    add(name, review(name, { kind, resource, operation: 'CREATE', object: withDefaults(object, namespace) }));
  }
  return fixtures;
}

const podName = 'web-5d9c8b7f6d-x7k2p';

function podObject(): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName,
      generateName: 'web-5d9c8b7f6d-',
      labels: { app: 'web', 'pod-template-hash': '5d9c8b7f6d' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-5d9c8b7f6d',
          uid: '0b6c1e2f-3a4d-4e5f-8a9b-0c1d2e3f4a5b',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      initContainers: [{ name: 'migrate', image: INIT_IMAGE, command: ['/migrate', 'up'] }],
      containers: [
        {
          name: 'web',
          image: WEB_IMAGE,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          volumeMounts: [{ name: 'assets', mountPath: '/srv/assets', readOnly: true }],
        },
        { name: 'metrics-agent', image: SIDECAR_IMAGE },
      ],
      // An image volume (Kubernetes 1.33+, KEP-4639): the kubelet pulls it like a container image.
      volumes: [
        { name: 'assets', image: { reference: VOLUME_IMAGE, pullPolicy: 'IfNotPresent' } },
        { name: 'cache', emptyDir: {} },
      ],
      nodeName: 'worker-1',
    },
  };
}

function mirrorPodObject(): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'node-exporter-worker-1',
      annotations: {
        'kubernetes.io/config.hash': '8f14e45fceea167a5a36dedd4bea2543',
        'kubernetes.io/config.mirror': '8f14e45fceea167a5a36dedd4bea2543',
        'kubernetes.io/config.seen': '2025-06-01T11:58:02.123456789Z',
        'kubernetes.io/config.source': 'file',
      },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Node',
          name: 'worker-1',
          uid: '6f1e0d2c-9b8a-4c7d-8e6f-5a4b3c2d1e0f',
          controller: true,
        },
      ],
    },
    spec: {
      containers: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.9.1' }],
      hostNetwork: true,
      nodeName: 'worker-1',
    },
  };
}

function template(labels: Json, spec: Json): Json {
  return { metadata: { labels }, spec };
}

function statefulSetObject(): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db',
      replicas: 3,
      selector: { matchLabels: { app: 'db' } },
      template: template(
        { app: 'db' },
        {
          initContainers: [
            { name: 'init-perms', image: 'busybox:1.36', command: ['chown', '-R', '999', '/data'] },
          ],
          containers: [
            {
              name: 'postgres',
              image: 'postgres:17.5',
              ports: [{ containerPort: 5432, name: 'pg' }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      ),
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
        },
      ],
    },
  };
}

function daemonSetObject(): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-proxy', labels: { 'k8s-app': 'kube-proxy' } },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      template: template(
        { 'k8s-app': 'kube-proxy' },
        {
          containers: [
            {
              name: 'kube-proxy',
              image: 'registry.k8s.io/kube-proxy:v1.35.0',
              command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf'],
              securityContext: { privileged: true },
            },
          ],
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
        },
      ),
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    },
  };
}

function replicaSetObject(): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-5d9c8b7f6d', labels: { app: 'web', 'pod-template-hash': '5d9c8b7f6d' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d9c8b7f6d' } },
      template: template(
        { app: 'web', 'pod-template-hash': '5d9c8b7f6d' },
        {
          containers: [
            { name: 'web', image: WEB_IMAGE },
            { name: 'metrics-agent', image: SIDECAR_IMAGE },
          ],
        },
      ),
    },
  };
}

function replicationControllerObject(): Json {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'legacy-frontend' },
    spec: {
      replicas: 2,
      selector: { app: 'legacy-frontend' },
      template: template(
        { app: 'legacy-frontend' },
        { containers: [{ name: 'frontend', image: `${REGISTRY}/legacy/frontend:7` }] },
      ),
    },
  };
}

function scale(replicas: number): Json {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { replicas },
    status: { replicas: 3, selector: 'app=web' },
  };
}

/**
 * The object as a webhook receives it: namespace set from the request, and the defaults the API
 * server's defaulting fills into every pod spec (pkg/apis/core/v1/defaults.go) and container.
 */
function withDefaults(object: Json, namespace: string): Json {
  const copy = structuredClone(object);
  copy.metadata = { ...(copy.metadata as Json), namespace };
  for (const spec of podSpecs(copy)) {
    spec.restartPolicy ??= 'Always';
    spec.terminationGracePeriodSeconds ??= 30;
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.securityContext ??= {};
    spec.schedulerName ??= 'default-scheduler';
    for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
      const list = spec[field] as Json[] | undefined;
      if (list) spec[field] = list.map(withContainerDefaults);
    }
  }
  return copy;
}

function withContainerDefaults(container: Json): Json {
  const image = String(container.image ?? '');
  const tagged = image.lastIndexOf(':') > image.lastIndexOf('/') && !image.endsWith(':latest');
  return {
    ...container,
    resources: container.resources ?? {},
    terminationMessagePath: container.terminationMessagePath ?? '/dev/termination-log',
    terminationMessagePolicy: container.terminationMessagePolicy ?? 'File',
    imagePullPolicy: container.imagePullPolicy ?? (image.includes('@') || tagged ? 'IfNotPresent' : 'Always'),
  };
}

function podSpecs(object: Json): Json[] {
  const spec = object.spec as Json | undefined;
  if (!spec) return [];
  if (object.kind === 'Pod') return [spec];
  if (object.kind === 'CronJob') {
    const jobSpec = ((spec.jobTemplate as Json).spec as Json).template as Json;
    return [jobSpec.spec as Json];
  }
  const podTemplate = spec.template as Json | undefined;
  return podTemplate ? [podTemplate.spec as Json] : [];
}

interface ReviewInput {
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  object: Json | null;
  oldObject?: Json;
  dryRun?: boolean;
  name?: string;
  namespace?: string;
  username?: string;
}

const OPTIONS = {
  CREATE: {
    kind: 'CreateOptions',
    apiVersion: 'meta.k8s.io/v1',
    fieldManager: 'kubectl-create',
    fieldValidation: 'Strict',
  },
  UPDATE: {
    kind: 'UpdateOptions',
    apiVersion: 'meta.k8s.io/v1',
    fieldManager: 'kubectl-edit',
    fieldValidation: 'Strict',
  },
  DELETE: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', propagationPolicy: 'Background' },
  CONNECT: undefined,
} as const;

/** An AdmissionReview as the API server sends it (admission.k8s.io/v1, request only). */
function review(fixture: string, input: ReviewInput): Json {
  const metadata = ((input.object ?? input.oldObject)?.metadata ?? {}) as Json;
  const name = input.name ?? (metadata.name as string | undefined) ?? '';
  const namespace = input.namespace ?? (metadata.namespace as string | undefined) ?? '';
  const options = OPTIONS[input.operation];
  const request: Json = {
    // Deterministic, so regenerating the fixtures changes nothing.
    uid: uuidFrom(fixture),
    kind: input.kind,
    resource: input.resource,
    ...(input.subResource ? { subResource: input.subResource } : {}),
    requestKind: input.kind,
    requestResource: input.resource,
    ...(input.subResource ? { requestSubResource: input.subResource } : {}),
    name,
    namespace,
    operation: input.operation,
    userInfo: {
      username: input.username ?? 'kubernetes-admin',
      groups: input.username?.startsWith('system:node:')
        ? ['system:nodes', 'system:authenticated']
        : ['kubeadm:cluster-admins', 'system:authenticated'],
    },
    object: input.object,
    oldObject: input.oldObject ?? null,
    dryRun: input.dryRun ?? false,
    ...(options ? { options } : {}),
  };
  return { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request };
}

function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(`pushgate admission fixture ${text}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The file text of a fixture: what write-admission-fixtures.ts writes and the test compares,
 * formatted as `npm run lint` (prettier) wants it.
 */
export async function fixtureText(review: Json): Promise<string> {
  const target = join(ADMISSION_FIXTURE_DIR, 'review.json');
  const options = (await prettier.resolveConfig(target)) ?? {};
  return prettier.format(JSON.stringify(review), { ...options, filepath: target });
}
