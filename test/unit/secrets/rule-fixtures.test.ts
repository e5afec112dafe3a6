import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_FILE_PARSERS } from '../../../src/secrets/credential-files/index.js';
import { SECRET_RULES } from '../../../src/secrets/rules.js';
import { scanFile, type FileSecret } from '../../../src/secrets/scan-file.js';
import { scanVariable } from '../../../src/secrets/scan-text.js';
import { expandTemplate } from '../../fixtures/secrets/expand-template.js';

const ROOT = new URL('../../fixtures/secrets/rules/', import.meta.url);
const ALL_RULES = [
  ...SECRET_RULES.map((r) => ({ id: r.id, scope: r.scope ?? 'text' })),
  ...CREDENTIAL_FILE_PARSERS.map((p) => ({ id: p.rule.id, scope: 'file' as const })),
];

function fixture(rule: string, name: string): string {
  return readFileSync(new URL(`${rule}/${name}`, ROOT), 'utf8');
}

/** Runs a fixture the way the extractor would see it: as a file at its path, or as NAME=value pairs. */
function scan(rule: { id: string; scope: string }, text: string): FileSecret[] {
  if (rule.scope === 'variable') {
    return text
      .split('\n')
      .filter((line) => line.includes('='))
      .flatMap((line) => {
        const eq = line.indexOf('=');
        return scanVariable(line.slice(0, eq), line.slice(eq + 1)).map((m) => ({
          rule: m.rule.id,
          value: m.value,
        }));
      });
  }
  const path = existsSync(new URL(`${rule.id}/path.txt`, ROOT))
    ? fixture(rule.id, 'path.txt').trim()
    : 'app/fixture.txt';
  const found = scanFile(path, Buffer.from(text, 'utf8'));
  if (found.kind !== 'text') throw new Error(`${rule.id}: fixture sniffed as ${found.kind}`);
  return found.secrets;
}

describe('secret rule fixtures (test/fixtures/secrets/rules/<rule>/)', () => {
  it('every rule has a positive and a negative fixture, and every fixture folder names a rule', () => {
    for (const rule of ALL_RULES) {
      expect(existsSync(new URL(`${rule.id}/positive.txt`, ROOT)), `${rule.id}/positive.txt`).toBe(true);
      expect(existsSync(new URL(`${rule.id}/negative.txt`, ROOT)), `${rule.id}/negative.txt`).toBe(true);
    }
    const ids = new Set(ALL_RULES.map((r) => r.id));
    for (const folder of readdirSync(ROOT))
      expect(ids.has(folder), `fixture folder ${folder} has no rule`).toBe(true);
    expect(ids.size).toBe(ALL_RULES.length);
  });

  for (const rule of ALL_RULES) {
    it(`${rule.id}: the positive fixture is found by this rule`, () => {
      const found = scan(rule, expandTemplate(fixture(rule.id, 'positive.txt')));
      expect(found.map((f) => f.rule)).toContain(rule.id);
    });

    it(`${rule.id}: the negative fixture gives no finding at all`, () => {
      const found = scan(rule, expandTemplate(fixture(rule.id, 'negative.txt')));
      expect(found.map((f) => `${f.rule}: ${f.value}`)).toEqual([]);
    });
  }
});
