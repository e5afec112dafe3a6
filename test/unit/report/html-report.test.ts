import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SavingsSection } from '../../../src/facts/image-facts.js';
import { renderReportHtml } from '../../../src/report/html-report.js';
import type { ScanReport } from '../../../src/report/scan-report.js';
import type { Verdict } from '../../../src/policy/types.js';
import { GOLDEN_DIR } from '../../support/goldens.js';

const XSS = '</script><script>alert(1)</script><svg onload=alert(2)><img src=x onerror=alert(3)>';

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Every start tag in the page, by name: what markup the page really holds. */
function tagCounts(page: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of page.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)/g))
    counts[m[1].toLowerCase()] = (counts[m[1].toLowerCase()] ?? 0) + 1;
  return counts;
}

const SAVINGS: SavingsSection = {
  totalBytes: 10_000_000,
  categories: {
    buildToolchain: { bytes: 5_000_000, files: 40 },
    devDependencies: { bytes: 2_000_000, files: 300 },
    packageManagers: { bytes: 500_000, files: 10 },
    cachesAndLeftovers: { bytes: 250_000, files: 5 },
    wasted: { bytes: 250_000, files: 2 },
    rest: { bytes: 2_000_000, files: 100 },
  },
  removableBytes: 8_000_000,
  removableRatio: 0.8,
  runtimeEstimateBytes: 2_000_000,
  top: [{ category: 'buildToolchain', label: `gcc-12 ${XSS}`, bytes: 4_000_000, files: 30 }],
};

describe('renderReportHtml', () => {
  let sample: ScanReport;

  beforeAll(async () => {
    const scanned = JSON.parse(await readFile(join(GOLDEN_DIR, 'sample.json.golden'), 'utf8')) as ScanReport;
    // A report without a savings section (as from facts stored before it existed); tests add one.
    sample = {
      ...scanned,
      platforms: scanned.platforms.map((p) => {
        const { savings: _savings, ...facts } = p.facts;
        return { ...p, facts };
      }),
    };
  });

  function hostile(): ScanReport {
    const report = structuredClone(sample);
    report.image.reference = `evil${XSS}`;
    const [p] = report.platforms;
    p.platform = `linux/amd64${XSS}`;
    p.facts.config.user = XSS;
    p.facts.config.env = [`A${XSS}`];
    p.facts.config.workdir = `</style>${XSS}`;
    p.facts.history = p.facts.history.map((h) => ({ ...h, createdBy: `RUN ${XSS}` }));
    p.facts.layers = p.facts.layers.map((l) => ({ ...l, createdBy: `RUN ${XSS}`, warnings: [XSS] }));
    p.findings = p.findings.map((f) => ({
      ...f,
      message: `${f.message} ${XSS}`,
      category: `${f.category}${XSS}`,
      evidence: f.evidence.map((e) => ({ ...e, path: `/x${XSS}`, detail: XSS, package: XSS })),
    }));
    p.facts.savings = SAVINGS;
    return report;
  }

  it('lists the hash of every inline style and script in its CSP, the same in the meta and the result', () => {
    const { html, csp } = renderReportHtml(sample);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
    expect(csp).toBe(
      `default-src 'none'; style-src ${sha256(style)}; script-src ${sha256(script)}; img-src 'none'; base-uri 'none'; form-action 'none'`,
    );
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp}">`);
    // Before any style or script: a meta policy only covers what comes after it.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
    expect(html).not.toMatch(/\s(?:src|style)=/);
  });

  it("covers the caller's extra blocks (the web view's) with hashes too", () => {
    const { csp } = renderReportHtml(sample, {
      extraHead: '<style>.ui{color:red}</style>',
      extraBody: '<script>document.body.dataset.ui="1"</script>',
    });
    expect(csp).toContain(sha256('.ui{color:red}'));
    expect(csp).toContain(sha256('document.body.dataset.ui="1"'));
  });

  it('renders hostile strings as text in every context: no markup but its own', () => {
    const { html: clean } = renderReportHtml(sample);
    const { html: page } = renderReportHtml(hostile());
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<svg onload');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('</style><');
    // The same elements as the clean report, plus the savings section's (tables, chart).
    const withSavings = renderReportHtml({
      ...sample,
      platforms: sample.platforms.map((p) => ({ ...p, facts: { ...p.facts, savings: SAVINGS } })),
    }).html;
    const hostileTags = tagCounts(page);
    expect(hostileTags.script).toBe(2);
    expect(hostileTags.style).toBe(1);
    expect(hostileTags.svg).toBe(tagCounts(withSavings).svg);
    expect(tagCounts(clean).svg).toBe(1);
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;svg onload=alert(2)&gt;');
    // The inline JSON carries the reference and platform without a raw `<`.
    const json = /<script type="application\/json" id="pushgate-summary">([\s\S]*?)<\/script>/.exec(page)![1];
    expect(json).not.toContain('<');
    expect((JSON.parse(json) as { reference: string }).reference).toBe(`evil${XSS}`);
  });

  it('shows the savings picture and estimate when the facts have a savings section', () => {
    const { html: without } = renderReportHtml(sample);
    expect(without).not.toContain('What a multi-stage build would save');
    // Whitespace between tags is layout: compare with runs of it as one space.
    const page = renderReportHtml(hostile()).html.replace(/\s+/g, ' ').replace(/> </g, '><');
    expect(page).toContain('What a multi-stage build would save');
    expect(page).toContain('A runtime stage without these would be about <strong>2.0 MB</strong> (−80.0 %)');
    expect(page).toContain(
      '<tr data-category="buildToolchain"><th scope="row">Compilers and build toolchains</th>',
    );
    expect(page).toContain('50.0 %');
    expect(page).toContain('class="seg-devDependencies"');
  });

  it('states the decision: the most serious verdict, and "not evaluated" without policies', () => {
    const flat = (page: string): string => page.replace(/\s+/g, ' ').replace(/\s*>\s*/g, '>');
    expect(flat(renderReportHtml(sample).html)).toContain(
      'data-decision="none">not evaluated (no --policy)<',
    );
    const verdict = (decision: Verdict['decision']): Verdict => ({
      digest: 'sha256:0',
      image: 'x',
      platform: sample.platforms[0].platform,
      decision,
      policies: [],
      policySetVersion: 'v',
      evaluatedAt: '2024-01-01T00:00:00Z',
    });
    const { html: page } = renderReportHtml({ ...sample, verdicts: [verdict('pass'), verdict('reject')] });
    expect(flat(page)).toContain('id="decision" data-decision="reject">REJECT<');
  });

  it('shows accepted findings apart, out of the rows the filters count', () => {
    const report = structuredClone(sample);
    const [p] = report.platforms;
    const [first, ...rest] = p.findings;
    p.findings = rest;
    p.accepted = [{ ...first, accepted: { reason: 'legacy base', source: '.pushgateignore:3' } }];
    const { html: page } = renderReportHtml(report);
    expect(page.match(/<tr data-severity=/g)).toHaveLength(rest.length);
    expect(page.match(/<tr data-accepted-severity=/g)).toHaveLength(1);
    expect(page.replace(/\s+/g, ' ')).toContain('accepted: legacy base (.pushgateignore:3');
  });
});
