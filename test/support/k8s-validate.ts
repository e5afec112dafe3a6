// Offline checks of rendered Kubernetes objects. There is no API server here, so two checks stand in
// for it: the kubernetes-models validators (the OpenAPI schemas: types, enums, required fields; they
// accept unknown fields), and tsc over each object written as a literal of its kubernetes-types /
// kubernetes-models type (excess-property checks: a misspelt or misplaced field name fails).
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './run-cli.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

interface KindInfo {
  /** Module exporting the validating model class (named like the kind). */
  model: string;
  /** The TypeScript type of the object, as `module#TypeName`. */
  type: string;
}

const core = (group: string, kind: string): KindInfo => ({
  model: `kubernetes-models/${group}/${kind}`,
  type: `kubernetes-types/${group === 'v1' ? 'core/v1' : group}#${kind}`,
});

/** Every kind the chart renders. A kind missing here fails the test that meets it. */
export const KINDS: Record<string, KindInfo> = {
  'v1/ConfigMap': core('v1', 'ConfigMap'),
  'v1/Secret': core('v1', 'Secret'),
  'v1/Service': core('v1', 'Service'),
  'v1/ServiceAccount': core('v1', 'ServiceAccount'),
  'apps/v1/Deployment': core('apps/v1', 'Deployment'),
  'apps/v1/StatefulSet': core('apps/v1', 'StatefulSet'),
  'policy/v1/PodDisruptionBudget': core('policy/v1', 'PodDisruptionBudget'),
  'autoscaling/v2/HorizontalPodAutoscaler': core('autoscaling/v2', 'HorizontalPodAutoscaler'),
  'networking.k8s.io/v1/NetworkPolicy': {
    model: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    type: 'kubernetes-types/networking/v1#NetworkPolicy',
  },
  // kubernetes-types 1.30.0's RuleWithOperations lacks `resources` and `scope` (its generator drops
  // the inlined Rule fields): the kubernetes-models interfaces have them.
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': {
    model: 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
    type: 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration#IValidatingWebhookConfiguration',
  },
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': {
    model: 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
    type: 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration#IMutatingWebhookConfiguration',
  },
  'cert-manager.io/v1/Certificate': {
    model: '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate',
    type: '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate#ICertificate',
  },
  'cert-manager.io/v1/Issuer': {
    model: '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer',
    type: '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer#IIssuer',
  },
  'keda.sh/v1alpha1/ScaledObject': {
    model: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
    type: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject#IScaledObject',
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    model: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    type: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor#IServiceMonitor',
  },
};

interface Typed {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
}

function kindOf(object: Typed): KindInfo {
  const info = KINDS[`${object.apiVersion}/${object.kind}`];
  if (!info) throw new Error(`no schema known for ${object.apiVersion} ${object.kind}: add it to KINDS`);
  return info;
}

/** Validates against the OpenAPI schema; throws naming the object and the failing paths. */
export function validateModel(object: Typed): void {
  const info = kindOf(object);
  const module = require(info.model) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind];
  if (!Model) throw new Error(`${info.model} exports no ${object.kind}`);
  try {
    new Model(object).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata?.name ?? '?'}: ${(err as Error).message}`);
  }
}

/**
 * Type-checks every object as a literal of its type, in one tsc run. Resolves with tsc's output
 * (empty when every field name is known); `labels[i]` names object i in the messages.
 */
export async function checkFieldNames(objects: readonly Typed[], labels: readonly string[]): Promise<string> {
  const dir = join(REPO_ROOT, 'node_modules', '.cache', `pushgate-field-check-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  try {
    const imports = new Map<string, string>();
    const lines: string[] = [];
    objects.forEach((object, index) => {
      const [module, typeName] = kindOf(object).type.split('#') as [string, string];
      const alias = `T${imports.size}`;
      const key = `${module}#${typeName}`;
      if (!imports.has(key)) imports.set(key, alias);
      lines.push(`// ${labels[index] ?? index}`);
      lines.push(`export const o${index}: ${imports.get(key)} = ${JSON.stringify(object, null, 2)};`);
    });
    const head = [...imports].map(([key, alias]) => {
      const [module, typeName] = key.split('#') as [string, string];
      return `import type { ${typeName} as ${alias} } from '${module}';`;
    });
    await writeFile(join(dir, 'objects.ts'), [...head, ...lines].join('\n'));
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          module: 'preserve',
          moduleResolution: 'bundler',
          target: 'es2022',
          types: [],
        },
        files: ['objects.ts'],
      }),
    );
    try {
      await run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
        cwd: dir,
        maxBuffer: 16 * 1024 * 1024,
      });
      return '';
    } catch (err) {
      const failure = err as { stdout?: string; stderr?: string };
      const output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
      if (!output) throw err;
      return output;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
