// Rendering helm/pushgate with the real helm binary, and the matrix of values the chart tests
// render: one case per way of installing it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR } from './chart-values-schema.js';
import { helm } from './kubectl.js';
import { REPO_ROOT } from './run-cli.js';

export { CHART_DIR };
export const RELEASE = 'gate';
export const NAMESPACE = 'pushgate';
export const CHART_GOLDEN = join(REPO_ROOT, 'test', 'fixtures', 'helm', 'default.yaml.golden');

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
} & Record<string, unknown>;

export interface ChartCase {
  name: string;
  values: Record<string, unknown>;
  /** Environment variables the case's Secrets would give the pods (for `pushgate config check`). */
  env: Record<string, string>;
}

/** Environment every rendered pod gets from the chart's own Secrets. */
export const CHART_ENV = {
  PUSHGATE_SECRETS_FINGERPRINT_KEY: 'chart-generated-fingerprint-key-0123456789',
  REDIS_PASSWORD: 'chart-generated-redis-password',
};

const registries = [
  {
    name: 'main',
    url: 'https://registry.example.com',
    credentials: { username: 'pushgate', password: '${REGISTRY_PASSWORD}' },
  },
];
const webhooks = [
  {
    name: 'distribution',
    adapter: 'distribution',
    registry: 'main',
    auth: { type: 'bearer', token: '${DISTRIBUTION_WEBHOOK_TOKEN}' },
  },
  { name: 'hub', adapter: 'dockerhub', registry: 'main', auth: { type: 'path', secret: '${HUB_SECRET}' } },
];
const credentialsEnv = {
  REGISTRY_PASSWORD: 'registry-password',
  DISTRIBUTION_WEBHOOK_TOKEN: 'webhook-token',
  HUB_SECRET: 'hub-path-secret',
};
const configured = {
  config: { registries, webhooks, admission: { mode: 'enforce' } },
  credentials: { existingSecret: 'pushgate-credentials' },
  apiTokens: { existingSecret: 'pushgate-api-tokens' },
};

/** The matrix: the defaults, and each TLS source, Redis mode and scaling option at least once. */
export function chartCases(caBundle: string): ChartCase[] {
  return [
    { name: 'defaults', values: {}, env: {} },
    {
      name: 'generated-certs',
      values: { ...configured, admission: { tls: { source: 'generate' } } },
      env: credentialsEnv,
    },
    {
      name: 'cert-manager',
      values: {
        ...configured,
        admission: { tls: { source: 'cert-manager' } },
        metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
        networkPolicy: { enabled: true, httpFrom: [{ namespaceSelector: {} }] },
      },
      env: credentialsEnv,
    },
    {
      name: 'existing-secret',
      values: {
        ...configured,
        admission: { tls: { source: 'secret', existingSecret: 'my-webhook-tls', caBundle } },
        fingerprintKey: { existingSecret: 'pushgate-keys', key: 'fp' },
      },
      env: credentialsEnv,
    },
    {
      name: 'sentinel',
      values: {
        ...configured,
        redis: {
          mode: 'sentinel',
          sentinel: {
            sentinels: ['sentinel-0.redis:26379', 'sentinel-1.redis:26379', 'sentinel-2.redis:26379'],
            masterName: 'pushgate',
            existingSecret: 'redis-auth',
            sentinelPasswordKey: 'sentinel-password',
          },
        },
      },
      env: { ...credentialsEnv, REDIS_SENTINEL_PASSWORD: 'sentinel-password' },
    },
    {
      name: 'external-redis',
      values: {
        ...configured,
        redis: {
          mode: 'external',
          external: {
            url: 'rediss://redis.example.com:6380/2',
            username: 'pushgate',
            existingSecret: 'redis-auth',
          },
        },
      },
      env: credentialsEnv,
    },
    {
      name: 'bundled-redis',
      values: {
        ...configured,
        redis: { mode: 'bundled', bundled: { maxmemory: '2gb', persistence: { storageClass: 'fast' } } },
        policies: {
          files: {
            'house.yaml': 'apiVersion: pushgate.dev/v1\nkind: ImagePolicy\nmetadata: { name: house }\n',
          },
          existingConfigMap: 'more-policies',
        },
      },
      env: credentialsEnv,
    },
    {
      name: 'keda',
      values: {
        ...configured,
        config: { ...configured.config, limits: { scanTimeoutMs: 600000, maxLayerBytes: 34359738368 } },
        worker: {
          keda: { enabled: true, prometheus: { serverAddress: 'http://prometheus.monitoring:9090' } },
        },
        server: { autoscaling: { enabled: true, minReplicas: 2 } },
      },
      env: credentialsEnv,
    },
    {
      name: 'mutate-on',
      values: { ...configured, admission: { mutate: { enabled: true } } },
      env: credentialsEnv,
    },
    {
      name: 'ha-off',
      values: {
        ...configured,
        // A single worker that lets scans run 20 minutes after a SIGTERM (longer than one scan may take).
        config: { ...configured.config, workers: { shutdownGraceMs: 1200000 } },
        server: { replicaCount: 1 },
        worker: { replicaCount: 1 },
      },
      env: credentialsEnv,
    },
    {
      name: 'admission-off',
      values: { ...configured, admission: { enabled: false } },
      env: credentialsEnv,
    },
  ];
}

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `helm <command> … helm/pushgate` with `values` in a values file. */
export async function helmWithValues(
  command: readonly string[],
  values: Record<string, unknown>,
  extra: readonly string[] = [],
): Promise<HelmRun> {
  const dir = await mkdtemp(join(tmpdir(), 'pushgate-chart-'));
  try {
    const file = join(dir, 'values.yaml');
    await writeFile(file, stringify(values));
    return await helm([
      ...command,
      ...(command[0] === 'template' ? [RELEASE] : []),
      CHART_DIR,
      '-f',
      file,
      ...extra,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `helm template` of `values`, parsed; throws with helm's stderr when it refuses. */
export async function renderChart(values: Record<string, unknown>): Promise<K8sObject[]> {
  const result = await helmWithValues(['template'], values, [
    '--namespace',
    NAMESPACE,
    '--kube-version',
    '1.30.0',
  ]);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

export function findObject(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} rendered`);
  return found;
}

/** Certificate data, keys and generated secrets differ every render: the golden holds placeholders. */
export function maskGenerated(text: string): string {
  return text.replace(
    /^(\s+(?:tls\.crt|tls\.key|ca\.crt|fingerprint-key|redis-password|caBundle): ).+$/gm,
    '$1<masked>',
  );
}
