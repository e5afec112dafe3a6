import type { ImageFacts } from '../../../src/facts/image-facts.js';
import type { ImagePolicy, LoadedPolicy, PolicyRule, PolicySpec } from '../../../src/policy/types.js';

/** A loaded policy built in memory: these tests do not depend on the YAML loader. */
export function loaded(name: string, spec: Partial<PolicySpec> & { rules: PolicyRule[] }): LoadedPolicy {
  const policy: ImagePolicy = {
    apiVersion: 'pushgate.dev/v1',
    kind: 'ImagePolicy',
    metadata: { name },
    spec,
  };
  return { policy, source: { file: `${name}.yaml`, document: 0, line: 1, column: 1 } };
}

export const noCompilers: PolicyRule = {
  id: 'no-compilers',
  severity: 'high',
  message: 'compilers found: {{compilers}}',
  schema: { properties: { compilers: { maxItems: 0 } } },
};

export const nonRoot: PolicyRule = {
  id: 'non-root',
  severity: 'high',
  message: 'runs as {{user.name}}',
  schema: { properties: { user: { properties: { uid: { not: { const: 0 } } } } } },
};

function evidence(path: string, layer = 1): Record<string, unknown> {
  return { kind: 'file', path, layer, state: 'present' };
}

/** Just enough facts for the rules above; cast because the structural sections do not matter here. */
export function facts(overrides: Record<string, unknown> = {}): ImageFacts {
  return {
    image: {
      reference: 'x',
      source: 'oci',
      configDigest: 'sha256:c',
      platform: 'linux/amd64',
      labels: {},
      annotations: {},
    },
    config: { user: null, env: [] },
    history: [],
    layers: [],
    compilers: [
      { name: 'gcc', kind: 'c', evidence: [evidence('/usr/bin/gcc'), evidence('/usr/lib/gcc', 2)] },
      { name: 'make', kind: 'build', evidence: [evidence('/usr/bin/make')] },
    ],
    user: { name: 'root', uid: 0, evidence: [{ kind: 'config', path: 'User', state: 'present' }] },
    ...overrides,
  } as unknown as ImageFacts;
}

export const target = {
  digest: 'sha256:aaaa',
  image: 'registry.test/prod/api:1.0',
  registry: 'registry.test',
  repository: 'prod/api',
  tag: '1.0',
  platform: 'linux/amd64',
};
