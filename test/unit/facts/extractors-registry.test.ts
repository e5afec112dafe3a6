import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FactExtractor } from '../../../src/facts/extractor.js';
import { assertUniqueIds, EXTRACTORS } from '../../../src/facts/extractors/index.js';

const folder = fileURLToPath(new URL('../../../src/facts/extractors/', import.meta.url));

function isExtractor(value: unknown): value is FactExtractor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as FactExtractor).id === 'string' &&
    typeof (value as FactExtractor).collect === 'function'
  );
}

describe('extractor registry', () => {
  it('lists every extractor file of src/facts/extractors exactly once', async () => {
    const files = (await readdir(folder)).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const module = (await import(pathToFileURL(`${folder}${file}`).href)) as Record<string, unknown>;
      const exported = Object.values(module).filter(isExtractor);
      expect(exported, `${file} exports no extractor`).not.toHaveLength(0);
      for (const extractor of exported) {
        expect(EXTRACTORS, `${file}: extractor "${extractor.id}" is not in EXTRACTORS`).toContain(extractor);
      }
    }
  });

  it('has unique ids and positive integer versions', () => {
    expect(() => assertUniqueIds(EXTRACTORS)).not.toThrow();
    for (const extractor of EXTRACTORS)
      expect(Number.isInteger(extractor.version) && extractor.version > 0).toBe(true);
  });

  it('refuses a duplicate id', () => {
    expect(() => assertUniqueIds([EXTRACTORS[0], { ...EXTRACTORS[0] }])).toThrow(/registered twice/);
  });
});
