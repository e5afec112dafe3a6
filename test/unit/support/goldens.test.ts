import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, GOLDEN_INPUTS, GOLDENS, golden } from '../../support/goldens.js';

describe('the golden list (test/support/goldens.ts)', () => {
  it('names every file in test/fixtures/golden, once, and nothing else', async () => {
    const onDisk = (await readdir(GOLDEN_DIR)).sort();
    expect(GOLDENS.map((entry) => entry.file).sort()).toEqual(onDisk);
    expect(new Set(GOLDENS.map((entry) => entry.file)).size).toBe(GOLDENS.length);
  });

  it('builds each from a known input, and refuses a file it does not name', () => {
    for (const entry of GOLDENS) expect(Object.keys(GOLDEN_INPUTS)).toContain(entry.input);
    expect(() => golden('elsewhere.golden')).toThrow(/not in GOLDENS/);
  });
});
