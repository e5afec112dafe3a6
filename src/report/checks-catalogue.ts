import type { CheckDefinition } from '../facts/checks.js';

/** CHECKS.md: every check id, grouped by category. Generated; a test keeps the file in sync. */
export function renderChecksCatalogue(checks: readonly CheckDefinition[]): string {
  const lines = [
    '# Checks',
    '',
    'Every check pushgate reports, with its stable id and default severity. Generated from the',
    'extractors by `npm run gen:docs`; a test fails when this file and the code disagree.',
    '',
  ];
  const categories = [...new Set(checks.map((c) => c.category))].sort();
  for (const category of categories) {
    lines.push(
      `## ${category}`,
      '',
      '| id | title | severity | what it looks at |',
      '| --- | --- | --- | --- |',
    );
    for (const check of checks
      .filter((c) => c.category === category)
      .sort((a, b) => a.id.localeCompare(b.id))) {
      const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
      lines.push(
        `| \`${check.id}\` | ${cell(check.title)} | ${check.severity} | ${cell(check.description)} |`,
      );
    }
    lines.push('');
  }
  if (categories.length === 0) lines.push('No checks are registered yet.', '');
  return lines.join('\n');
}

/** Every check of every extractor; throws on a duplicate id. */
export function collectChecks(
  groups: ReadonlyArray<{ id: string; checks: readonly CheckDefinition[] }>,
): CheckDefinition[] {
  const seen = new Map<string, string>();
  const all: CheckDefinition[] = [];
  for (const group of groups) {
    for (const check of group.checks) {
      const owner = seen.get(check.id);
      if (owner) throw new Error(`check id "${check.id}" is defined by both ${owner} and ${group.id}`);
      seen.set(check.id, group.id);
      all.push(check);
    }
  }
  return all;
}
