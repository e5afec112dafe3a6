/**
 * The policy benchmark (issue 4 §3): 50 policies × 20 rules evaluated against the facts of the
 * seed-like single-stage image (lots of findings, so violations, evidence and messages are
 * exercised). Prints the median time of one full evaluation, and its ratio to one ajv validate
 * call measured in the same run. Target: ≤ 5 ms. A miss is printed, never an exit code.
 */
import { performance } from 'node:perf_hooks';
import { compilePolicies } from '../../src/policy/compile-policies.js';
import { evaluate } from '../../src/policy/evaluate.js';
import type { LoadedPolicy, PolicyRule, Waiver } from '../../src/policy/types.js';
import { scanBuiltImage } from '../../test/support/scan-built-image.js';
import { buildSingleStageImage } from '../../test/support/seed-images.js';

const POLICIES = 50;
const RULES_PER_POLICY = 20;
const TARGET_MS = 5;
const WARMUP = 50;
const RUNS = 300;

/** Twenty realistic rules, roughly half of which the seed image violates. */
const TEMPLATES: Array<Omit<PolicyRule, 'id'>> = [
  {
    severity: 'high',
    message: 'compilers: {{compilers}}',
    schema: { properties: { compilers: { maxItems: 0 } } },
  },
  { severity: 'high', message: 'shells: {{shells}}', schema: { properties: { shells: { maxItems: 0 } } } },
  {
    severity: 'medium',
    message: 'package managers: {{packageManagers}}',
    schema: { properties: { packageManagers: { maxItems: 0 } } },
  },
  {
    severity: 'high',
    message: 'runs as {{user.name}}',
    schema: { properties: { user: { properties: { uid: { not: { const: 0 } } } } } },
  },
  {
    severity: 'critical',
    message: 'secrets: {{secrets.findings}}',
    schema: { properties: { secrets: { properties: { findings: { maxItems: 0 } } } } },
  },
  {
    severity: 'low',
    message: 'no healthcheck',
    schema: { properties: { config: { properties: { healthcheck: { not: { type: 'null' } } } } } },
  },
  {
    severity: 'medium',
    message: '{{totals.layerCount}} layers',
    schema: { properties: { totals: { properties: { layerCount: { maximum: 20 } } } } },
  },
  {
    severity: 'medium',
    message: '{{totals.uncompressedSize}} bytes',
    schema: { properties: { totals: { properties: { uncompressedSize: { maximum: 500 * 1024 * 1024 } } } } },
  },
  {
    severity: 'medium',
    message: 'dev dependencies present',
    schema: { properties: { devDependencies: { properties: { packages: { maxItems: 0 } } } } },
  },
  {
    severity: 'low',
    message: 'build leftovers present',
    schema: { properties: { devDependencies: { properties: { leftovers: { maxItems: 0 } } } } },
  },
  {
    severity: 'high',
    message: 'gcc installed',
    schema: {
      properties: {
        packages: {
          properties: {
            items: { not: { contains: { properties: { name: { pattern: '^gcc' } }, required: ['name'] } } },
          },
        },
      },
    },
  },
  {
    severity: 'medium',
    message: 'no ENV named like a secret',
    schema: {
      properties: {
        config: { properties: { env: { items: { not: { pattern: 'TOKEN|SECRET|PASSWORD' } } } } },
      },
    },
  },
  {
    severity: 'info',
    message: 'source label missing',
    schema: {
      properties: { image: { properties: { labels: { required: ['org.opencontainers.image.source'] } } } },
    },
  },
  {
    severity: 'low',
    message: 'history mentions curl | sh',
    schema: {
      properties: {
        history: { items: { properties: { createdBy: { not: { pattern: 'curl[^|]*\\|\\s*(ba)?sh' } } } } },
      },
    },
  },
  {
    severity: 'low',
    message: 'exposes port 22',
    schema: {
      properties: { config: { properties: { exposedPorts: { not: { contains: { const: '22/tcp' } } } } } },
    },
  },
  {
    severity: 'medium',
    message: 'world-writable files',
    schema: { properties: { permissions: { properties: { worldWritable: { maxItems: 0 } } } } },
  },
  {
    severity: 'low',
    message: 'wasted {{totals.wastedBytes}} bytes',
    schema: { properties: { totals: { properties: { wastedBytes: { maximum: 10 * 1024 * 1024 } } } } },
  },
  { severity: 'info', message: 'no OS detected', schema: { required: ['os'] } },
  {
    severity: 'low',
    message: 'layer too big',
    schema: {
      properties: { layers: { items: { properties: { uncompressedSize: { maximum: 200 * 1024 * 1024 } } } } },
    },
  },
  {
    severity: 'info',
    message: 'workdir unset',
    schema: { properties: { config: { properties: { workdir: { type: 'string' } } } } },
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function buildPolicies(): LoadedPolicy[] {
  return Array.from({ length: POLICIES }, (_, p) => {
    const rules = Array.from({ length: RULES_PER_POLICY }, (_, r) => ({
      ...TEMPLATES[r % TEMPLATES.length],
      id: `rule-${r}`,
      // Own copies: ajv caches by schema object, and real policies do not share schema objects.
      schema: structuredClone(TEMPLATES[r % TEMPLATES.length].schema),
    }));
    const waivers: Waiver[] = [
      {
        rule: 'rule-0',
        repositories: ['prod/legacy/**'],
        paths: ['/usr/bin/*'],
        expires: '2999-01-01',
        reason: 'bench',
      },
    ];
    return {
      policy: {
        apiVersion: 'pushgate.dev/v1',
        kind: 'ImagePolicy',
        metadata: { name: `policy-${p}` },
        spec: {
          match: { repositories: ['prod/**'] },
          mode: p % 5 === 0 ? 'audit' : 'enforce',
          rules,
          waivers,
        },
      },
      source: { file: `policy-${p}.yaml`, document: 0, line: 1, column: 1 },
    };
  });
}

async function main(): Promise<void> {
  const { facts } = await scanBuiltImage(await buildSingleStageImage());
  const target = {
    digest: 'sha256:bench',
    image: 'registry.test/prod/api:1.0',
    registry: 'registry.test',
    repository: 'prod/api',
    tag: '1.0',
    platform: facts.image.platform,
  };

  const compileStart = performance.now();
  const compiled = compilePolicies(buildPolicies());
  const compileMs = performance.now() - compileStart;
  const broken = compiled.flatMap((p) => p.rules).filter((r) => r.error);
  if (broken.length > 0) throw new Error(`bench rules did not compile: ${broken[0].error}`);

  const options = { policySetVersion: 'bench', now: new Date() };
  let verdict = evaluate(compiled, facts, target, options);
  for (let i = 0; i < WARMUP; i += 1) verdict = evaluate(compiled, facts, target, options);
  const full: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    verdict = evaluate(compiled, facts, target, options);
    full.push(performance.now() - start);
  }

  // One validate call of a violated rule (it also builds ajv's error list), timed in batches
  // because a single call is below the timer's useful resolution.
  const validate = compiled[0].rules[0].validate!;
  const BATCH = 1000;
  const single: number[] = [];
  for (let i = 0; i < WARMUP; i += 1) validate(facts);
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    for (let j = 0; j < BATCH; j += 1) validate(facts);
    single.push((performance.now() - start) / BATCH);
  }

  // The floor: every validator once, without scopes, evidence, messages or waivers.
  const validators = compiled.flatMap((p) => p.rules.map((r) => r.validate!));
  const allValidators: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    for (const v of validators) v(facts);
    allValidators.push(performance.now() - start);
  }

  const fullMs = median(full);
  const singleMs = median(single);
  const violations = verdict.policies.reduce((n, p) => n + p.violations.length, 0);
  console.log(
    `policies ${POLICIES} × rules ${RULES_PER_POLICY} = ${POLICIES * RULES_PER_POLICY} rules; facts of the seed single-stage image`,
  );
  console.log(`compile (once): ${compileMs.toFixed(0)} ms`);
  console.log(
    `decision ${verdict.decision}; ${violations} violations over ${verdict.policies.length} policies`,
  );
  console.log(
    `full evaluation: median ${fullMs.toFixed(3)} ms over ${RUNS} runs (target ≤ ${TARGET_MS} ms: ${fullMs <= TARGET_MS ? 'met' : 'MISSED'})`,
  );
  const allMs = median(allValidators);
  console.log(
    `all ${validators.length} validators alone: median ${allMs.toFixed(3)} ms ` +
      `(mean ${((allMs / validators.length) * 1000).toFixed(2)} µs per validate; full / mean = ${(fullMs / (allMs / validators.length)).toFixed(0)}×)`,
  );
  console.log(
    `single ajv validate: median ${(singleMs * 1000).toFixed(2)} µs; ratio full / single = ${(fullMs / singleMs).toFixed(0)}×`,
  );
}

await main();
