import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderFactsSchema } from '../../../src/cli/facts-schema.js';
import { renderRuleSchemaMeta } from '../../../src/cli/policy-schema.js';
import { EXTRACTORS } from '../../../src/facts/extractors/index.js';
import { collectChecks, renderChecksCatalogue } from '../../../src/report/checks-catalogue.js';

const read = (path: string): Promise<string> =>
  readFile(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('generated documents (npm run gen:docs)', () => {
  it('src/facts/facts.schema.json is what `pushgate facts schema` prints', async () => {
    expect(await read('src/facts/facts.schema.json')).toBe(renderFactsSchema());
  });

  it('src/policy/rule-schema.schema.json is what `pushgate policy rule-schema` prints', async () => {
    expect(await read('src/policy/rule-schema.schema.json')).toBe(renderRuleSchemaMeta());
  });

  it('CHECKS.md lists exactly the checks the extractors define', async () => {
    const checks = collectChecks(EXTRACTORS);
    const catalogue = await read('CHECKS.md');
    expect(catalogue).toBe(renderChecksCatalogue(checks));
    for (const check of checks) expect(catalogue).toContain(`| \`${check.id}\` |`);
  });

  it('CHECKS.md names, for each check, a file that holds its id', async () => {
    for (const check of collectChecks(EXTRACTORS)) {
      // A secret check's id is `secret-<rule>`; the rule's file spells only the rule id.
      const ids = [check.id, check.id.replace(/^secret-/, '')];
      const source = await read(check.definedIn);
      expect({
        check: check.id,
        file: check.definedIn,
        holdsId: ids.some((id) => source.includes(`'${id}'`)),
      }).toEqual({ check: check.id, file: check.definedIn, holdsId: true });
    }
    expect(collectChecks(EXTRACTORS).find((c) => c.id === 'compiler-present')?.definedIn).toBe(
      'src/facts/extractors/compilers.ts',
    );
    expect(collectChecks(EXTRACTORS).find((c) => c.id === 'secret-npmrc-credential')?.definedIn).toBe(
      'src/secrets/credential-files/npmrc.ts',
    );
  });

  it('refuses a check id defined twice', () => {
    const check = { id: 'x', title: 't', severity: 'low' as const, category: 'c', description: 'd' };
    expect(() =>
      collectChecks([
        { id: 'a', checks: [check] },
        { id: 'b', checks: [check] },
      ]),
    ).toThrow(/both a and b/);
  });

  it('check ids are kebab-case and every check has a title, category and description', () => {
    for (const check of collectChecks(EXTRACTORS)) {
      expect(check.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(check.title && check.category && check.description).toBeTruthy();
    }
  });
});
