import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_ENV,
  CHART_GOLDEN,
  chartCases,
  findObject,
  helmWithValues,
  maskGenerated,
  NAMESPACE,
  RELEASE,
  renderChart,
  type ChartCase,
  type K8sObject,
} from '../../support/chart.js';
import { checkFieldNames, validateModel } from '../../support/k8s-validate.js';
import { runCli } from '../../support/run-cli.js';
import { createTestCa } from '../../support/test-ca.js';
import { tempDir } from '../../support/temp-dir.js';

const FULLNAME = `${RELEASE}-pushgate`;
const WEBHOOK_SERVICE = `${FULLNAME}-webhook`;

let cases: ChartCase[];
let caPem: string;
const rendered = new Map<string, K8sObject[]>();

function objectsOf(name: string): K8sObject[] {
  const objects = rendered.get(name);
  if (!objects) throw new Error(`case ${name} was not rendered`);
  return objects;
}

type Json = Record<string, unknown>;
const at = (value: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], value);

function podSpec(objects: K8sObject[], name: string): Json {
  return at(findObject(objects, 'Deployment', name), 'spec', 'template', 'spec') as Json;
}

function configOf(objects: K8sObject[]): string {
  return at(findObject(objects, 'ConfigMap', `${FULLNAME}-config`), 'data', 'pushgate.yaml') as string;
}

beforeAll(async () => {
  const dir = await tempDir('pushgate-chart-ca-');
  try {
    caPem = (await createTestCa(dir.path, 'existing webhook CA')).cert.toString('utf8');
  } finally {
    await dir.remove();
  }
  cases = chartCases(caPem);
  await Promise.all(cases.map(async (c) => rendered.set(c.name, await renderChart(c.values))));
}, 120_000);

describe('helm/pushgate over the values matrix', () => {
  it('passes helm lint --strict in every case', async () => {
    for (const c of cases) {
      const lint = await helmWithValues(['lint', '--strict', '--namespace', NAMESPACE], c.values);
      expect(lint.code, `${c.name}: ${lint.stdout}${lint.stderr}`).toBe(0);
    }
  }, 120_000);

  it('renders objects that validate against the Kubernetes and CRD schemas, with only known field names', async () => {
    const all: K8sObject[] = [];
    const labels: string[] = [];
    for (const c of cases) {
      for (const object of objectsOf(c.name)) {
        validateModel(object);
        all.push(object);
        labels.push(`${c.name}: ${object.kind} ${object.metadata.name}`);
      }
    }
    expect(await checkFieldNames(all, labels)).toBe('');
    // Every kind the chart can make was seen at least once.
    expect(new Set(all.map((o) => o.kind))).toEqual(
      new Set([
        'ConfigMap',
        'Secret',
        'Service',
        'ServiceAccount',
        'Deployment',
        'StatefulSet',
        'PodDisruptionBudget',
        'HorizontalPodAutoscaler',
        'NetworkPolicy',
        'ValidatingWebhookConfiguration',
        'MutatingWebhookConfiguration',
        'Certificate',
        'Issuer',
        'ScaledObject',
        'ServiceMonitor',
      ]),
    );
  }, 120_000);

  it('field-name check refuses a misspelt or misplaced field (the check can fail)', async () => {
    const deployment = structuredClone(findObject(objectsOf('defaults'), 'Deployment', `${FULLNAME}-server`));
    const container = at(deployment, 'spec', 'template', 'spec', 'containers', 0) as Json;
    container.readinesProbe = container.readinessProbe;
    const webhook = structuredClone(findObject(objectsOf('defaults'), 'ValidatingWebhookConfiguration'));
    (at(webhook, 'webhooks', 0) as Json).timeout = 5;
    const output = await checkFieldNames([deployment, webhook], ['typo', 'misplaced']);
    expect(output).toMatch(/readinesProbe/);
    expect(output).toMatch(/"timeout"' does not exist in type 'IValidatingWebhook'/);
  }, 60_000);

  it('renders a configuration that passes `pushgate config check` in every case', async () => {
    const dir = await tempDir('pushgate-chart-config-');
    try {
      // Every case is checked, and every failure reported at once.
      const failures: string[] = [];
      for (const c of cases) {
        const file = join(dir.path, `${c.name}.yaml`);
        await writeFile(file, configOf(objectsOf(c.name)));
        const result = await runCli(['config', 'check', '--config', file], { ...CHART_ENV, ...c.env });
        if (result.code !== 0 || !/^config OK/.test(result.stdout)) {
          failures.push(`${c.name} (exit ${result.code}): ${result.stdout}${result.stderr}`);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await dir.remove();
    }
  }, 120_000);

  it('the server: 3 replicas spread out, a PDB that never blocks drains, rolling with maxUnavailable 0, probes', () => {
    const objects = objectsOf('defaults');
    const deployment = findObject(objects, 'Deployment', `${FULLNAME}-server`);
    expect(at(deployment, 'spec', 'replicas')).toBe(3);
    expect(at(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable')).toBe(0);
    const spec = podSpec(objects, `${FULLNAME}-server`);
    const terms = at(
      spec,
      'affinity',
      'podAntiAffinity',
      'preferredDuringSchedulingIgnoredDuringExecution',
    ) as Json[];
    expect(terms.map((t) => at(t, 'podAffinityTerm', 'topologyKey'))).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    const pdb = findObject(objects, 'PodDisruptionBudget');
    expect(at(pdb, 'spec', 'unhealthyPodEvictionPolicy')).toBe('AlwaysAllow');
    const container = at(spec, 'containers', 0) as Json;
    expect(at(container, 'args')).toEqual(['serve']);
    expect(at(container, 'livenessProbe', 'httpGet', 'path')).toBe('/healthz');
    expect(at(container, 'readinessProbe', 'httpGet', 'path')).toBe('/readyz');
    expect(at(container, 'resources', 'requests')).toBeDefined();

    // One replica: no PDB, which would block every node drain.
    expect(objectsOf('ha-off').some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    // With the HPA, the Deployment leaves replicas to it and the PDB follows minReplicas.
    const scaled = objectsOf('keda');
    expect(at(findObject(scaled, 'Deployment', `${FULLNAME}-server`), 'spec', 'replicas')).toBeUndefined();
    expect(at(findObject(scaled, 'HorizontalPodAutoscaler'), 'spec', 'minReplicas')).toBe(2);
    expect(scaled.some((o) => o.kind === 'PodDisruptionBudget')).toBe(true);
  });

  it('every pushgate and Redis pod runs restricted: non-root, read-only root with an emptyDir /tmp, no capabilities, seccomp', () => {
    const objects = objectsOf('bundled-redis');
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    expect(workloads).toHaveLength(3);
    for (const workload of workloads) {
      const spec = at(workload, 'spec', 'template', 'spec') as Json;
      expect(at(spec, 'securityContext', 'runAsNonRoot'), workload.metadata.name).toBe(true);
      expect(at(spec, 'securityContext', 'seccompProfile', 'type')).toBe('RuntimeDefault');
      expect(at(spec, 'automountServiceAccountToken')).toBe(false);
      for (const container of at(spec, 'containers') as Json[]) {
        expect(at(container, 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
        expect(at(container, 'securityContext', 'allowPrivilegeEscalation')).toBe(false);
        expect(at(container, 'securityContext', 'capabilities', 'drop')).toEqual(['ALL']);
      }
    }
    for (const name of [`${FULLNAME}-server`, `${FULLNAME}-worker`]) {
      const spec = podSpec(objects, name);
      expect(at(spec, 'securityContext', 'runAsUser')).toBe(65532);
      const tmp = (at(spec, 'volumes') as Json[]).find((v) => v.name === 'tmp');
      expect(tmp).toEqual({ name: 'tmp', emptyDir: {} });
      const mounts = at(spec, 'containers', 0, 'volumeMounts') as Json[];
      expect(mounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    }
  });

  it('workers get more time to stop than a whole scan takes, and than their shutdown grace', () => {
    // Default scanTimeoutMs 900000 → 900 s + 30 s margin; the keda case sets 600000; ha-off sets
    // workers.shutdownGraceMs to 1200000.
    expect(at(podSpec(objectsOf('defaults'), `${FULLNAME}-worker`), 'terminationGracePeriodSeconds')).toBe(
      930,
    );
    expect(at(podSpec(objectsOf('keda'), `${FULLNAME}-worker`), 'terminationGracePeriodSeconds')).toBe(630);
    expect(at(podSpec(objectsOf('ha-off'), `${FULLNAME}-worker`), 'terminationGracePeriodSeconds')).toBe(
      1230,
    );
    // Large integers stay integers in the rendered configuration (helm's toYaml would print 3.4359738368e+10).
    expect(configOf(objectsOf('keda'))).toMatch(/"maxLayerBytes": 34359738368,/);
  });

  it('registers the validating webhook so a fresh install cannot block its own pods', () => {
    const objects = objectsOf('defaults');
    const config = findObject(objects, 'ValidatingWebhookConfiguration');
    const webhook = at(config, 'webhooks', 0) as Json;
    expect(webhook).toMatchObject({
      failurePolicy: 'Fail',
      timeoutSeconds: 5,
      sideEffects: 'NoneOnDryRun',
      admissionReviewVersions: ['v1'],
      clientConfig: {
        service: { name: WEBHOOK_SERVICE, namespace: NAMESPACE, path: '/admission/validate', port: 443 },
      },
    });
    expect(at(webhook, 'namespaceSelector', 'matchExpressions')).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [NAMESPACE, 'kube-system'] },
    ]);
    expect(at(webhook, 'matchConditions', 0, 'name')).toBe('not-a-mirror-pod');
    const resources = (at(webhook, 'rules') as Json[]).flatMap((r) => r.resources as string[]);
    expect(resources).toEqual(
      expect.arrayContaining(['pods', 'pods/ephemeralcontainers', 'deployments', 'cronjobs']),
    );
    // The webhook Service reaches the server's HTTPS port, which the configuration opens.
    const service = findObject(objects, 'Service', WEBHOOK_SERVICE);
    expect(at(service, 'spec', 'ports', 0, 'targetPort')).toBe('webhook');
    const ports = at(podSpec(objects, `${FULLNAME}-server`), 'containers', 0, 'ports') as Json[];
    expect(ports).toContainEqual({ name: 'webhook', containerPort: 8443, protocol: 'TCP' });
    expect(parse(configOf(objects))).toMatchObject({
      admission: { enabled: true, port: 8443, mode: 'audit', tls: { certFile: '/etc/pushgate/tls/tls.crt' } },
    });
    expect(objects.some((o) => o.kind === 'MutatingWebhookConfiguration')).toBe(false);

    const mutating = findObject(objectsOf('mutate-on'), 'MutatingWebhookConfiguration');
    expect(at(mutating, 'webhooks', 0)).toMatchObject({
      sideEffects: 'NoneOnDryRun',
      timeoutSeconds: 5,
      reinvocationPolicy: 'IfNeeded',
      clientConfig: { service: { path: '/admission/mutate' } },
    });
    expect(parse(configOf(objectsOf('mutate-on')))).toMatchObject({
      admission: { mutate: { enabled: true } },
    });

    const off = objectsOf('admission-off');
    expect(off.some((o) => o.kind.endsWith('WebhookConfiguration'))).toBe(false);
    expect(parse(configOf(off))).toMatchObject({ admission: { enabled: false } });
  });

  it('generated certificates: the caBundle is the CA that signed the served certificate, for the webhook Service', () => {
    for (const name of ['defaults', 'generated-certs', 'mutate-on']) {
      const objects = objectsOf(name);
      const secret = findObject(objects, 'Secret', `${FULLNAME}-webhook-tls`);
      const served = new X509Certificate(Buffer.from(at(secret, 'data', 'tls.crt') as string, 'base64'));
      const configs = objects.filter((o) => o.kind.endsWith('WebhookConfiguration'));
      for (const config of configs) {
        const ca = new X509Certificate(
          Buffer.from(at(config, 'webhooks', 0, 'clientConfig', 'caBundle') as string, 'base64'),
        );
        expect(ca.ca).toBe(true);
        expect(served.checkIssued(ca)).toBe(true);
        expect(served.verify(ca.publicKey)).toBe(true);
      }
      expect(served.checkHost(`${WEBHOOK_SERVICE}.${NAMESPACE}.svc`)).toBe(
        `${WEBHOOK_SERVICE}.${NAMESPACE}.svc`,
      );
      // The key in the Secret belongs to the served certificate.
      const key = Buffer.from(at(secret, 'data', 'tls.key') as string, 'base64').toString();
      expect(served.checkPrivateKey(createPrivateKey(key))).toBe(true);
      const volume = (at(podSpec(objects, `${FULLNAME}-server`), 'volumes') as Json[]).find(
        (v) => v.name === 'tls',
      );
      expect(at(volume, 'secret', 'secretName')).toBe(`${FULLNAME}-webhook-tls`);
    }
  });

  it('an existing Secret: the caBundle is the given CA, and the server mounts that Secret', () => {
    const objects = objectsOf('existing-secret');
    const config = findObject(objects, 'ValidatingWebhookConfiguration');
    expect(
      Buffer.from(at(config, 'webhooks', 0, 'clientConfig', 'caBundle') as string, 'base64').toString(),
    ).toBe(caPem);
    expect(objects.some((o) => o.kind === 'Secret' && o.metadata.name === `${FULLNAME}-webhook-tls`)).toBe(
      false,
    );
    const volume = (at(podSpec(objects, `${FULLNAME}-server`), 'volumes') as Json[]).find(
      (v) => v.name === 'tls',
    );
    expect(at(volume, 'secret', 'secretName')).toBe('my-webhook-tls');
    // Its own fingerprint key Secret: the chart makes none.
    expect(objects.some((o) => o.metadata.name === `${FULLNAME}-keys`)).toBe(false);
  });

  it('cert-manager: the CA is injected from the Certificate whose Secret the server serves', () => {
    const objects = objectsOf('cert-manager');
    const certificate = findObject(objects, 'Certificate', `${FULLNAME}-webhook`);
    const config = findObject(objects, 'ValidatingWebhookConfiguration');
    expect(config.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(
      `${NAMESPACE}/${FULLNAME}-webhook`,
    );
    expect(at(config, 'webhooks', 0, 'clientConfig', 'caBundle')).toBeUndefined();
    expect(at(certificate, 'spec', 'dnsNames')).toContain(`${WEBHOOK_SERVICE}.${NAMESPACE}.svc`);
    const volume = (at(podSpec(objects, `${FULLNAME}-server`), 'volumes') as Json[]).find(
      (v) => v.name === 'tls',
    );
    expect(at(volume, 'secret', 'secretName')).toBe(at(certificate, 'spec', 'secretName'));
    expect(at(certificate, 'spec', 'issuerRef', 'name')).toBe(`${FULLNAME}-webhook-ca`);
    expect(objects.some((o) => o.kind === 'Secret' && o.metadata.name === `${FULLNAME}-webhook-tls`)).toBe(
      false,
    );
  });

  it('bundled Redis: AOF on a volume, noeviction, a password from a Secret, reachable only from pushgate pods', () => {
    const objects = objectsOf('bundled-redis');
    const redis = findObject(objects, 'StatefulSet', `${FULLNAME}-redis`);
    const args = at(redis, 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    expect(flag('--maxmemory')).toBe('2gb');
    expect(flag('--requirepass')).toBe('$(REDIS_PASSWORD)');
    expect(at(redis, 'spec', 'volumeClaimTemplates', 0, 'spec', 'storageClassName')).toBe('fast');
    expect(findObject(objects, 'Secret', `${FULLNAME}-redis`)).toBeDefined();
    const policy = findObject(objects, 'NetworkPolicy', `${FULLNAME}-redis`);
    expect(at(policy, 'spec', 'podSelector', 'matchLabels', 'app.kubernetes.io/component')).toBe('redis');
    expect(at(policy, 'spec', 'ingress', 0, 'from')).toEqual([
      {
        podSelector: {
          matchLabels: { 'app.kubernetes.io/name': 'pushgate', 'app.kubernetes.io/instance': RELEASE },
          matchExpressions: [
            { key: 'app.kubernetes.io/component', operator: 'In', values: ['server', 'worker'] },
          ],
        },
      },
    ]);
    // pushgate's pods carry the labels the policy admits.
    for (const name of ['server', 'worker']) {
      const labels = at(
        findObject(objects, 'Deployment', `${FULLNAME}-${name}`),
        'spec',
        'template',
        'metadata',
        'labels',
      );
      expect(labels).toMatchObject({
        'app.kubernetes.io/instance': RELEASE,
        'app.kubernetes.io/component': name,
      });
    }
    expect(parse(configOf(objects))).toMatchObject({
      redis: { url: `redis://:\${REDIS_PASSWORD}@${FULLNAME}-redis:6379` },
      policies: {
        paths: ['/app/policies', '/etc/pushgate/policies/chart', '/etc/pushgate/policies/existing'],
      },
    });
    const env = at(podSpec(objects, `${FULLNAME}-worker`), 'containers', 0, 'env') as Json[];
    expect(env.find((e) => e.name === 'REDIS_PASSWORD')).toMatchObject({
      valueFrom: { secretKeyRef: { name: `${FULLNAME}-redis`, key: 'redis-password' } },
    });
  });

  it('external Redis and Sentinel: no bundled Redis, passwords only through the environment', () => {
    const external = objectsOf('external-redis');
    expect(external.some((o) => o.kind === 'StatefulSet')).toBe(false);
    expect(parse(configOf(external))).toMatchObject({
      redis: { url: 'rediss://pushgate:${REDIS_PASSWORD}@redis.example.com:6380/2' },
    });
    const sentinel = objectsOf('sentinel');
    expect(sentinel.some((o) => o.kind === 'StatefulSet')).toBe(false);
    expect(parse(configOf(sentinel))).toMatchObject({
      redis: {
        sentinels: ['sentinel-0.redis:26379', 'sentinel-1.redis:26379', 'sentinel-2.redis:26379'],
        sentinelName: 'pushgate',
        password: '${REDIS_PASSWORD}',
        sentinelPassword: '${REDIS_SENTINEL_PASSWORD}',
      },
    });
    const env = at(podSpec(sentinel, `${FULLNAME}-server`), 'containers', 0, 'env') as Json[];
    expect(env.find((e) => e.name === 'REDIS_SENTINEL_PASSWORD')).toMatchObject({
      valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'sentinel-password' } },
    });
    expect(env.find((e) => e.name === 'PUSHGATE_API_TOKENS')).toMatchObject({
      valueFrom: { secretKeyRef: { name: 'pushgate-api-tokens', key: 'api-tokens' } },
    });
    expect(at(podSpec(sentinel, `${FULLNAME}-server`), 'containers', 0, 'envFrom')).toEqual([
      { secretRef: { name: 'pushgate-credentials' } },
    ]);
  });

  it('KEDA scales workers on the waiting and prioritized jobs of the inspect queue', () => {
    const objects = objectsOf('keda');
    const scaled = findObject(objects, 'ScaledObject');
    expect(at(scaled, 'spec', 'scaleTargetRef', 'name')).toBe(`${FULLNAME}-worker`);
    const trigger = at(scaled, 'spec', 'triggers', 0) as Json;
    expect(trigger.type).toBe('prometheus');
    expect(at(trigger, 'metadata', 'query')).toBe(
      `max(sum by (pod) (pushgate_jobs{namespace="${NAMESPACE}",service="${FULLNAME}",queue="inspect",state=~"waiting|prioritized"}))`,
    );
    expect(at(findObject(objects, 'Deployment', `${FULLNAME}-worker`), 'spec', 'replicas')).toBeUndefined();
  });

  it('the default values render as the golden file (generated certificates and secrets masked)', async () => {
    const result = await helmWithValues(['template'], {}, [
      '--namespace',
      NAMESPACE,
      '--kube-version',
      '1.30.0',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const masked = maskGenerated(result.stdout);
    expect(masked).not.toMatch(/BEGIN CERTIFICATE|LS0tLS1CRUdJTi/);
    expect(masked).toBe(await readFile(CHART_GOLDEN, 'utf8'));
  });
});
