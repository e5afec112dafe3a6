import type { EnforcementConfig, RegistryConfig } from '../../../src/config/types.js';
import type { LoadedPolicy, PolicySpec, PolicyVerdict, Verdict } from '../../../src/policy/types.js';
import type { Decision, ImageRecord } from '../../../src/store/types.js';

/** Builders for action tests (plan and run): records, verdicts, policies and configs. */

export const DIGEST = `sha256:${'ab12'.repeat(16)}`;

export function policyVerdict(
  name: string,
  result: PolicyVerdict['result'],
  mode: PolicyVerdict['mode'] = 'enforce',
): PolicyVerdict {
  return { name, mode, result, violations: [] };
}

export function verdict(decision: Decision, policies: PolicyVerdict[], platform = 'linux/amd64'): Verdict {
  return {
    digest: DIGEST,
    image: 'example/app',
    platform,
    decision,
    policies,
    policySetVersion: 'sha256:policies',
    evaluatedAt: '2026-01-02T03:04:05.000Z',
  };
}

export function imageRecord(overrides: Partial<ImageRecord> = {}): ImageRecord {
  return {
    registry: 'local',
    registryHost: '127.0.0.1:5000',
    repository: 'team/app',
    digest: DIGEST,
    tags: ['v1'],
    decision: 'pass',
    reasons: [],
    verdicts: [],
    facts: {
      platforms: ['linux/amd64'],
      compilers: [],
      shells: [],
      packageManagers: [],
      secrets: 0,
      sizeBytes: 1234,
      layers: 1,
    },
    actions: [],
    policySetVersion: 'sha256:policies',
    evaluatedAt: '2026-01-02T03:04:05.000Z',
    scanMs: 12,
    ...overrides,
  };
}

export function loadedPolicy(name: string, spec: Partial<PolicySpec> = {}): LoadedPolicy {
  return {
    policy: {
      apiVersion: 'pushgate.dev/v1',
      kind: 'ImagePolicy',
      metadata: { name },
      spec: { mode: 'enforce', rules: [], ...spec },
    },
    source: { file: `${name}.yaml`, document: 0, line: 1, column: 1 },
  };
}

export function enforcement(overrides: Partial<EnforcementConfig> = {}): EnforcementConfig {
  return {
    dryRun: false,
    reject: 'delete',
    rejectUnjudged: 'auto',
    quarantineRepository: 'quarantine/{{repository}}',
    failTag: '{{tag}}-rejected',
    passTagOnWarn: true,
    attachReport: false,
    notify: [],
    ...overrides,
  };
}

export function registryConfig(overrides: Partial<RegistryConfig> = {}): RegistryConfig {
  return {
    name: 'local',
    url: 'http://127.0.0.1:5000',
    host: '127.0.0.1:5000',
    aliases: [],
    allowDelete: true,
    ...overrides,
  };
}
