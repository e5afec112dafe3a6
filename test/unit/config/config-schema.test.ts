import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEVELOPMENT_FINGERPRINT_KEY } from '../../../src/config/check-config.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { CONFIG_SCHEMA } from '../../../src/config/validate-config-schema.js';
import { isRecord } from '../../../src/is-record.js';

const EXAMPLE = fileURLToPath(new URL('../../../pushgate.example.yaml', import.meta.url));

interface Visited {
  path: string;
  schema: Record<string, unknown>;
  required: boolean;
}

/** Every property schema, with whether its parent requires it. */
function properties(): Visited[] {
  const out: Visited[] = [];
  const walk = (schema: unknown, path: string): void => {
    if (!isRecord(schema)) return;
    if (isRecord(schema.properties)) {
      const required = Array.isArray(schema.required) ? schema.required : [];
      for (const [name, child] of Object.entries(schema.properties)) {
        if (!isRecord(child)) continue;
        out.push({ path: `${path}.${name}`, schema: child, required: required.includes(name) });
        walk(child, `${path}.${name}`);
      }
    }
    walk(schema.items, `${path}[]`);
    if (Array.isArray(schema.oneOf)) schema.oneOf.forEach((branch, i) => walk(branch, `${path}<${i}>`));
  };
  walk(CONFIG_SCHEMA, '');
  for (const [name, def] of Object.entries(CONFIG_SCHEMA.$defs)) walk(def, `#${name}`);
  return out;
}

describe('config.schema.json', () => {
  it('closes every object: additionalProperties false (a union closes each branch)', () => {
    const open: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      if (!isRecord(schema)) return;
      if (
        isRecord(schema.properties) &&
        schema.additionalProperties !== false &&
        !Array.isArray(schema.oneOf)
      ) {
        open.push(path);
      }
      if (isRecord(schema.properties))
        for (const [k, v] of Object.entries(schema.properties)) walk(v, `${path}.${k}`);
      walk(schema.items, `${path}[]`);
      if (Array.isArray(schema.oneOf)) schema.oneOf.forEach((branch, i) => walk(branch, `${path}<${i}>`));
    };
    walk(CONFIG_SCHEMA, '');
    for (const [name, def] of Object.entries(CONFIG_SCHEMA.$defs)) walk(def, `#${name}`);
    expect(open).toEqual([]);
  });

  it('describes every property', () => {
    expect(
      properties()
        .filter((p) => typeof p.schema.description !== 'string')
        .map((p) => p.path),
    ).toEqual([]);
  });

  it('gives a default to every optional field but the deliberately optional ones', () => {
    const withoutDefault = properties()
      .filter((p) => !p.required && !('default' in p.schema) && !p.path.includes('<'))
      .map((p) => p.path);
    expect(withoutDefault).toEqual([
      '.redis.url',
      '.redis.sentinels',
      '.redis.sentinelName',
      '.redis.password',
      '.redis.sentinelPassword',
      '.enforcement.passTag',
      '.workers.shutdownGraceMs',
      '.admission.tls',
      '#registry.host',
      '#registry.credentials',
      '#registry.pullCredentials',
      '#registry.allowedHosts',
      '#webhook.name',
      '#webhook.registry',
      '#notifyTarget.secret',
      '#notifyTarget.decisions',
    ]);
  });

  it('defaults the fingerprint key to the development key the loader warns about', () => {
    const secrets = CONFIG_SCHEMA.properties.secrets as {
      properties: { fingerprintKey: { default: string } };
    };
    expect(secrets.properties.fingerprintKey.default).toBe(DEVELOPMENT_FINGERPRINT_KEY);
  });
});

describe('pushgate.example.yaml', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const uncommented = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  const variables = [
    ...new Set([...uncommented.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1])),
  ];
  const env = Object.fromEntries(variables.map((name) => [name, `${name.toLowerCase()}-value-0123456789`]));

  it('validates, with the variables it names set, and without a warning', () => {
    expect(variables).toContain('DISTRIBUTION_WEBHOOK_TOKEN');
    const { config, warnings } = loadConfig({ path: EXAMPLE, env });
    expect(warnings).toEqual([]);
    expect(config.webhooks.map((w) => [w.adapter, w.auth.type])).toEqual([
      ['distribution', 'bearer'],
      ['harbor', 'header'],
      ['ghcr', 'hmac-sha256'],
      ['dockerhub', 'path'],
      ['generic', 'bearer'],
    ]);
    expect(config.webhooks[2].auth).toMatchObject({ header: 'X-Hub-Signature-256', prefix: 'sha256=' });
    expect(config.enforcement.reject).toBe('quarantine');
    expect(config.registries[0].credentials?.password).toBe(env.LOCAL_REGISTRY_PASSWORD);
  });

  it('writes out every section and every field of the schema', () => {
    const doc = parse(text) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(Object.keys(CONFIG_SCHEMA.properties));
    for (const [name, section] of Object.entries(CONFIG_SCHEMA.properties)) {
      if (!isRecord(section) || !isRecord(section.properties)) continue;
      expect([name, Object.keys(doc[name] as object)]).toEqual([name, Object.keys(section.properties)]);
    }
  });

  it('names a missing variable', () => {
    const { DISTRIBUTION_WEBHOOK_TOKEN: _omitted, ...partial } = env;
    expect(() => loadConfig({ path: EXAMPLE, env: partial })).toThrow(
      /webhooks\[0\]\.auth\.token: environment variable DISTRIBUTION_WEBHOOK_TOKEN is not set/,
    );
  });
});
