import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EXTRACTORS } from '../../../src/facts/extractors/index.js';
import { checkHelpUri, collectChecks } from '../../../src/report/checks-catalogue.js';
import { renderSarif } from '../../../src/report/sarif.js';
import type { ScanReport } from '../../../src/report/scan-report.js';

const checks = collectChecks(EXTRACTORS);

describe('fix guidance (remedy) of every check', () => {
  it('every registered check has a one-line summary and a Markdown remedy', () => {
    const missing = checks.filter((c) => !c.remedy).map((c) => c.id);
    // A new extractor's checks need `remedy:` (see src/facts/remedies.ts for the shared texts).
    expect(missing).toEqual([]);
    for (const check of checks) {
      expect(check.remedy?.summary, check.id).toMatch(/^[^\n]{10,120}$/);
      expect(check.remedy?.markdown.length, check.id).toBeGreaterThan(40);
    }
  });

  it('CHECKS.md holds an anchor and the remedy of every check', async () => {
    const catalogue = await readFile(new URL('../../../CHECKS.md', import.meta.url), 'utf8');
    for (const check of checks) {
      expect(catalogue, check.id).toContain(`<a id="${check.id}"></a>`);
      expect(catalogue, check.id).toContain(check.remedy?.markdown);
    }
  });

  it('SARIF rules carry help.markdown and a helpUri to the check in CHECKS.md', () => {
    const report: ScanReport = {
      schemaVersion: 1,
      image: {
        reference: 'r/app:1',
        source: 'registry',
        skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
      },
      platforms: [],
    };
    const log = JSON.parse(
      renderSarif(
        {
          ...report,
          platforms: [
            {
              platform: 'linux/amd64',
              facts: { image: { configDigest: 'sha256:0' } },
              findings: [],
            } as unknown as ScanReport['platforms'][number],
          ],
        },
        checks,
        '0',
      ),
    ) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string; help?: { markdown: string }; helpUri?: string }> } };
      }>;
    };
    const rules = log.runs[0].tool.driver.rules;
    const rootUser = rules.find((r) => r.id === 'root-user');
    expect(rootUser?.help?.markdown).toContain('USER 10001');
    expect(rootUser?.helpUri).toBe(checkHelpUri('root-user'));
    expect(rootUser?.helpUri).toMatch(/CHECKS\.md#root-user$/);
    for (const rule of rules) expect(rule.help?.markdown, rule.id).toBeTruthy();
  });
});
