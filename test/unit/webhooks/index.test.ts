import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, adapterById } from '../../../src/webhooks/index.js';
import type { WebhookAdapter } from '../../../src/webhooks/types.js';

const SOURCE_DIR = new URL('../../../src/webhooks/', import.meta.url);

function isAdapter(value: unknown): value is WebhookAdapter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WebhookAdapter).id === 'string' &&
    Array.isArray((value as WebhookAdapter).contentTypes) &&
    typeof (value as WebhookAdapter).parse === 'function'
  );
}

describe('ADAPTERS', () => {
  it('has no duplicate id', () => {
    const ids = ADAPTERS.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists every adapter in src/webhooks, each in the file named after its id', async () => {
    const found = new Map<string, string>();
    for (const file of readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.ts'))) {
      const module = (await import(new URL(file, SOURCE_DIR).href)) as Record<string, unknown>;
      for (const value of Object.values(module)) {
        if (isAdapter(value) && !Array.isArray(value)) found.set(value.id, file);
      }
    }
    expect([...found.keys()].sort()).toEqual(ADAPTERS.map((a) => a.id).sort());
    for (const [id, file] of found) expect(file).toBe(`${id}.ts`);
    for (const adapter of ADAPTERS) expect(found.get(adapter.id), adapter.id).toBeDefined();
  });

  it('covers every sender the configuration can name', () => {
    expect(ADAPTERS.map((a) => a.id).sort()).toEqual(
      ['acr', 'distribution', 'dockerhub', 'generic', 'ghcr', 'harbor', 'jfrog', 'quay'].sort(),
    );
  });

  it('finds adapters by id', () => {
    for (const adapter of ADAPTERS) expect(adapterById(adapter.id)).toBe(adapter);
    expect(adapterById('nexus')).toBeUndefined();
    expect(adapterById('__proto__')).toBeUndefined();
    expect(adapterById('constructor')).toBeUndefined();
  });

  it('declares lower-case content types without parameters', () => {
    for (const adapter of ADAPTERS) {
      expect(adapter.contentTypes.length, adapter.id).toBeGreaterThan(0);
      for (const type of adapter.contentTypes) expect(type).toMatch(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/);
    }
  });
});
