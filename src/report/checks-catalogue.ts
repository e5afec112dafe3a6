import type { CheckDefinition } from '../facts/checks.js';

/**
 * Where CHECKS.md is published (the project's documentation site, as the schemas' `$id`s); a
 * check's entry is its id as the anchor. SARIF `helpUri` and JSON findings link there.
 */
export const CHECKS_DOC_URL = 'https://pushgate.dev/CHECKS.md';

export function checkHelpUri(id: string): string {
  return `${CHECKS_DOC_URL}#${id}`;
}

/** A check as the catalogue lists it: always with the file that defines it. */
export type CataloguedCheck = CheckDefinition & { definedIn: string };

/** CHECKS.md: every check id, grouped by category. Generated; a test keeps the file in sync. */
export function renderChecksCatalogue(checks: readonly CataloguedCheck[]): string {
  const lines = [
    '# Checks',
    '',
    'Every check pushgate reports, with its stable id, default severity and the file that defines',
    'it. Generated from the extractors by `npm run gen:docs`; a test fails when this file and the',
    'code disagree.',
    '',
  ];
  const categories = [...new Set(checks.map((c) => c.category))].sort();
  for (const category of categories) {
    lines.push(
      `## ${category}`,
      '',
      '| id | title | severity | what it looks at | defined in |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const check of checks
      .filter((c) => c.category === category)
      .sort((a, b) => a.id.localeCompare(b.id))) {
      const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
      lines.push(
        `| \`${check.id}\` | ${cell(check.title)} | ${check.severity} | ${cell(check.description)} | \`${check.definedIn}\` |`,
      );
    }
    lines.push('', ...howToFix(checks.filter((c) => c.category === category)));
  }
  if (categories.length === 0) lines.push('No checks are registered yet.', '');
  return lines.join('\n');
}

/**
 * The remedies of a category, one paragraph per distinct remedy, each opened by an anchor per
 * check id (the target of SARIF `helpUri`): the secret checks share one remedy, written once.
 */
function howToFix(checks: readonly CataloguedCheck[]): string[] {
  const byRemedy = new Map<string, CataloguedCheck[]>();
  for (const check of [...checks].sort((a, b) => a.id.localeCompare(b.id))) {
    const key = check.remedy?.markdown ?? 'No remedy is written for this check yet.';
    byRemedy.set(key, [...(byRemedy.get(key) ?? []), check]);
  }
  const lines = ['### How to fix', ''];
  for (const [markdown, group] of byRemedy) {
    const anchors = group.map((c) => `<a id="${c.id}"></a>`).join('');
    const who =
      byRemedy.size === 1 && group.length > 1
        ? 'Every check above'
        : group.map((c) => `\`${c.id}\``).join(', ');
    lines.push(`${anchors}**${who}**: ${markdown.replace(/\n+/g, ' ')}`, '');
  }
  return lines;
}

/**
 * Every check of every extractor, each with the file that defines it (the extractor's own,
 * `src/facts/extractors/<id>.ts`, unless the check says otherwise); throws on a duplicate id.
 */
export function collectChecks(
  groups: ReadonlyArray<{ id: string; checks: readonly CheckDefinition[] }>,
): CataloguedCheck[] {
  const seen = new Map<string, string>();
  const all: CataloguedCheck[] = [];
  for (const group of groups) {
    for (const check of group.checks) {
      const owner = seen.get(check.id);
      if (owner) throw new Error(`check id "${check.id}" is defined by both ${owner} and ${group.id}`);
      seen.set(check.id, group.id);
      all.push({ ...check, definedIn: check.definedIn ?? `src/facts/extractors/${group.id}.ts` });
    }
  }
  return all;
}
