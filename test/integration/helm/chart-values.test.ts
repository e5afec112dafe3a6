import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, helmWithValues, NAMESPACE } from '../../support/chart.js';
import { buildValuesSchema, VALUES_SCHEMA_PATH } from '../../support/chart-values-schema.js';
import { REPO_ROOT } from '../../support/run-cli.js';
import { tempDir } from '../../support/temp-dir.js';

const run = promisify(execFile);
const README_GENERATOR = join(
  REPO_ROOT,
  'node_modules',
  '@bitnami',
  'readme-generator-for-helm',
  'bin',
  'index.js',
);

const registry = { name: 'main', url: 'https://registry.example.com' };

/** Values helm must refuse, and the part of its message that says why. */
const REFUSED: Array<{ why: string; values: Record<string, unknown>; message: RegExp }> = [
  {
    why: 'a literal registry password',
    values: {
      config: { registries: [{ ...registry, credentials: { username: 'u', password: 'hunter2' } }] },
    },
    message: /\/config\/registries\/0\/credentials\/password/,
  },
  {
    why: 'a literal webhook token',
    values: {
      config: {
        registries: [registry],
        webhooks: [{ adapter: 'generic', auth: { type: 'bearer', token: 's3cret-token' } }],
      },
    },
    message: /\/config\/webhooks\/0\/auth/,
  },
  {
    why: 'a literal Docker Hub path secret',
    values: {
      config: {
        registries: [registry],
        webhooks: [{ adapter: 'dockerhub', auth: { type: 'path', secret: 'abc123' } }],
      },
    },
    message: /\/config\/webhooks\/0\/auth/,
  },
  {
    why: 'a literal notify secret',
    values: {
      config: {
        registries: [registry],
        enforcement: { notify: [{ url: 'https://hooks.example.com', secret: 'x' }] },
      },
    },
    message: /\/config\/enforcement\/notify\/0\/secret/,
  },
  {
    why: 'API tokens in the configuration (they come from apiTokens.existingSecret)',
    values: { config: { registries: [registry], server: { apiTokens: ['${TOKEN}'] } } },
    message: /additional properties 'apiTokens' not allowed/,
  },
  {
    why: 'a Redis section in the configuration (the chart owns it)',
    values: { config: { registries: [registry], redis: { url: 'redis://:pw@redis:6379' } } },
    message: /additional properties 'redis' not allowed/,
  },
  {
    why: 'a password in the external Redis URL',
    values: { redis: { mode: 'external', external: { url: 'redis://:hunter2@redis:6379' } } },
    message: /\/redis\/external\/url/,
  },
  {
    why: 'external Redis without a URL',
    values: { redis: { mode: 'external' } },
    message: /\/redis\/external\/url/,
  },
  {
    why: 'a misspelt value',
    values: { server: { replicas: 3 } },
    message: /additional properties 'replicas' not allowed/,
  },
  {
    why: 'an unknown failurePolicy',
    values: { admission: { failurePolicy: 'Deny' } },
    message: /\/admission\/failurePolicy/,
  },
  {
    why: 'a wrong type in the pushgate configuration',
    values: { config: { registries: [registry], workers: { inspectConcurrency: 'two' } } },
    message: /\/config\/workers\/inspectConcurrency/,
  },
  {
    why: 'no registry',
    values: { config: { registries: [] } },
    message: /\/config\/registries/,
  },
  {
    why: 'an existing TLS Secret without its CA',
    values: { admission: { tls: { source: 'secret', existingSecret: 'tls' } } },
    message: /\/admission\/tls\/caBundle/,
  },
  {
    why: 'KEDA without a Prometheus address',
    values: { worker: { keda: { enabled: true } } },
    message: /\/worker\/keda\/prometheus/,
  },
];

describe('helm/pushgate values.schema.json', () => {
  it.each(REFUSED)('helm refuses $why', async ({ values, message }) => {
    const result = await helmWithValues(['template'], values, ['--namespace', NAMESPACE]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(result.stderr).toMatch(message);
  });

  it('helm refuses a deadline the webhook timeout would cut off (a template check)', async () => {
    const result = await helmWithValues(
      ['template'],
      { config: { registries: [registry], admission: { deadlineMs: 5000 } } },
      ['--namespace', NAMESPACE],
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/deadlineMs \(5000\) must be below admission.timeoutSeconds/);
  });

  it('is up to date with the chart and src/config/config.schema.json (npm run gen:chart)', async () => {
    const written = JSON.parse(await readFile(VALUES_SCHEMA_PATH, 'utf8')) as unknown;
    expect(written).toEqual(buildValuesSchema());
  });

  it('the README lists every value of values.yaml (npm run gen:chart)', async () => {
    const readme = await readFile(join(CHART_DIR, 'README.md'), 'utf8');
    const values = await readFile(join(CHART_DIR, 'values.yaml'), 'utf8');
    const params = [...values.matchAll(/^## @param (\S+)/gm)].map((m) => m[1]);
    expect(params.length).toBeGreaterThan(50);
    for (const param of params) expect(readme, param).toContain(`| \`${param}\``);
    // The generator, run on a copy, changes nothing: the tables match values.yaml's metadata.
    const dir = await tempDir('pushgate-chart-readme-');
    try {
      const copy = join(dir.path, 'README.md');
      await writeFile(copy, readme);
      await run(process.execPath, [
        README_GENERATOR,
        '--values',
        join(CHART_DIR, 'values.yaml'),
        '--readme',
        copy,
      ]);
      expect(await readFile(copy, 'utf8')).toBe(readme);
    } finally {
      await dir.remove();
    }
  }, 60_000);
});
