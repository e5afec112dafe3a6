import { inlineJson } from './html/inline-json.js';
import { htmlPage } from './html/page.js';
import { headlineDecision, decisionLabel } from './html/decision.js';
import { FILTER_SCRIPT } from './html/filter-script.js';
import { findingsSection } from './html/findings-section.js';
import { layersSection } from './html/layers-section.js';
import { overviewSection } from './html/overview-section.js';
import { REPORT_STYLES } from './html/report-styles.js';
import { html, trusted } from './html/safe-html.js';
import { savingsSection } from './html/savings-section.js';
import { verdictSection } from './html/verdict-section.js';
import type { ScanReport } from './scan-report.js';

export interface HtmlReportOptions {
  /** The page title; `pushgate report: <reference>` when absent. */
  title?: string;
  /** Trusted markup for `<head>` (the web view's own style); its inline blocks get CSP hashes. */
  extraHead?: string;
  /** Trusted markup at the start of `<body>`, before the report (the web view's navigation, actions). */
  extraBody?: string;
  /** `extraBody` holds forms posting to the same origin (the web view's logout): allow them in the CSP. */
  formsToSelf?: boolean;
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

/**
 * The scan report as one self-contained HTML page: no external assets, a strict CSP in a
 * `<meta>` listing the hash of every inline style and script, readable without JavaScript (the
 * script only adds finding filters). Every string from the image is escaped by the `html` tag.
 * `csp` is the same policy for a server to send as a header (the /ui image page).
 */
export function renderReportHtml(
  report: ScanReport,
  options: HtmlReportOptions = {},
): { html: string; csp: string } {
  const verdicts = report.verdicts ?? [];
  const decision = headlineDecision(verdicts);
  const title = options.title ?? `pushgate report: ${report.image.reference}`;
  const multi = report.platforms.length > 1;
  const prefix = (i: number): string => `p${i}`;
  const totalFindings = report.platforms.reduce((n, p) => n + p.findings.length, 0);

  const nav = html`<nav aria-label="Contents">
    <ul>
      ${report.platforms.map((p, i) => {
        const label = multi ? `${p.platform}: ` : '';
        return html`<li><a href="#${prefix(i)}-summary">${label}Summary</a></li>
          <li><a href="#${prefix(i)}-policies">${label}Policies</a></li>
          ${p.facts.savings ? html`<li><a href="#${prefix(i)}-savings">${label}Savings</a></li>` : ''}
          <li><a href="#${prefix(i)}-layers">${label}Layers</a></li>
          <li><a href="#${prefix(i)}-findings">${label}Findings</a></li>`;
      })}
    </ul>
  </nav>`;

  const filters =
    totalFindings === 0
      ? ''
      : html`<div id="finding-filters" class="filters" role="search" aria-label="Filter findings" hidden>
          <fieldset>
            <legend>Show findings of severity</legend>
            ${SEVERITIES.map((s) => html`<label><input type="checkbox" name="severity" value="${s}" checked /> ${s}</label>`)}
          </fieldset>
          <label>Containing <input type="search" name="q" autocomplete="off" /></label>
          <p id="filter-status" role="status" aria-live="polite"></p>
        </div>`;

  const skipped = Object.entries(report.image.skipped)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${n} ${what}`);

  const platforms = report.platforms.map((p, i) => {
    const id = prefix(i);
    const own = verdicts.filter((v) => v.platform === p.platform);
    return html`<section aria-labelledby="${id}-platform" class="platform" data-platform="${p.platform}">
      <h2 id="${id}-platform">Platform <code>${p.platform}</code></h2>
      ${overviewSection(id, p.facts, p.findings, verdicts.length === 0 ? 'none' : headlineDecision(own))}
      ${verdictSection(id, own)} ${p.facts.savings ? savingsSection(id, p.facts.savings) : ''}
      ${layersSection(id, p.facts)} ${findingsSection(id, p.findings, p.accepted ?? [])}
    </section>`;
  });

  // What a caller (the web view, a test) can read without parsing the page: counts, no strings but names.
  const summary = {
    reference: report.image.reference,
    decision,
    platforms: report.platforms.map((p) => ({
      platform: p.platform,
      layerCount: p.facts.totals.layerCount,
      findings: p.findings.length,
      byCategory: countBy(p.findings.map((f) => f.category)),
      ...(p.facts.savings
        ? {
            removableBytes: p.facts.savings.removableBytes,
            runtimeEstimateBytes: p.facts.savings.runtimeEstimateBytes,
          }
        : {}),
    })),
  };

  const headRest = html`<title>${title}</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <style>
      ${trusted(REPORT_STYLES)}
    </style>
    ${trusted(options.extraHead ?? '')}`;
  const body = html`<body>
    <a class="skip-link" href="#main">Skip to the report</a>
    ${trusted(options.extraBody ?? '')}
    <header>
      <h1>${title}</h1>
      <p class="decision">
        Decision
        <span class="badge decision-${decision}" id="decision" data-decision="${decision}"
          >${decisionLabel(decision)}</span
        >
      </p>
      <dl class="facts">
        <dt>Image</dt>
        <dd><code>${report.image.reference}</code> (${report.image.source})</dd>
        ${
          report.image.indexDigest
            ? html`<dt>Index</dt>
                <dd><code>${report.image.indexDigest}</code></dd>`
            : ''
        }
        ${
          skipped.length > 0
            ? html`<dt>Skipped</dt>
                <dd>${skipped.join(', ')}</dd>`
            : ''
        }
      </dl>
      ${nav}
    </header>
    <main id="main" tabindex="-1">${filters} ${platforms}</main>
    <footer>
      <p>
        pushgate scan report (schema ${report.schemaVersion}). Secrets are shown only as masked previews; the
        full evidence is in <code>--format json</code>.
      </p>
    </footer>
    <script type="application/json" id="pushgate-summary">
      ${trusted(inlineJson(summary))}
    </script>
    <script>
      ${trusted(FILTER_SCRIPT)};
    </script>
  </body>`;
  return htmlPage(headRest, body, { formsToSelf: options.formsToSelf === true });
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
