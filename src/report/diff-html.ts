import { CATEGORY_LABELS, SAVINGS_CATEGORIES } from '../facts/savings-summary.js';
import { formatBytes } from '../format-bytes.js';
import type { Change, DiffFinding, DiffLayer, DiffReport, PlatformDiff } from './diff-report.js';
import { formatDelta, formatValue, type Unit } from './diff-table.js';
import { decisionLabel, headlineDecision } from './html/decision.js';
import { htmlPage } from './html/page.js';
import { REPORT_STYLES } from './html/report-styles.js';
import { html, trusted, type SafeHtml } from './html/safe-html.js';
import { tableHead } from './html/table-head.js';

function changeRow(label: string, c: Change, unit: Unit): SafeHtml {
  const direction = c.delta === null || c.delta === 0 ? 'same' : c.delta > 0 ? 'up' : 'down';
  return html`<tr>
    <th scope="row">${label}</th>
    <td class="num">${formatValue(c.before, unit)}</td>
    <td class="num">${formatValue(c.after, unit)}</td>
    <td class="num" data-change="${direction}">${formatDelta(c, unit)}</td>
  </tr>`;
}

function layerRows(sign: '+' | '−', layers: readonly DiffLayer[]): SafeHtml[] {
  return layers.map(
    (layer) =>
      html`<tr>
        <td>${sign}</td>
        <td class="num">${layer.index}</td>
        <td><code>${layer.digest.slice(0, 19)}</code></td>
        <td class="num">${formatBytes(layer.uncompressedSize)}</td>
        <td><code>${layer.createdBy ?? ''}</code></td>
      </tr>`,
  );
}

function findingRows(sign: '+' | '−', findings: readonly DiffFinding[]): SafeHtml[] {
  return findings.map(
    (f) =>
      html`<tr data-severity="${f.severity}">
        <td>${sign}</td>
        <td class="sev-${f.severity}">${f.severity.toUpperCase()}</td>
        <td><code>${f.check}</code></td>
        <td><code>${f.path}</code></td>
        <td>${f.message}</td>
      </tr>`,
  );
}

function platformSection(p: PlatformDiff, i: number): SafeHtml {
  const id = `d${i}`;
  const platform =
    p.before && p.after && p.before.platform !== p.after.platform
      ? `${p.before.platform} → ${p.after.platform}`
      : p.platform;
  const savings = p.savings
    ? [
        ...SAVINGS_CATEGORIES.map((c) => changeRow(CATEGORY_LABELS[c], p.savings!.categories[c], 'bytes')),
        changeRow('Removable', p.savings.removableBytes, 'bytes'),
        changeRow('Removable share', p.savings.removableRatio, 'percent'),
        changeRow('Runtime estimate', p.savings.runtimeEstimateBytes, 'bytes'),
      ]
    : [];
  const f = p.findings;
  return html`<section aria-labelledby="${id}-platform" class="platform" data-platform="${p.platform}">
    <h2 id="${id}-platform">Platform <code>${platform}</code></h2>
    <table>
      <caption>
        Size, layers and what a multi-stage build would save, before and after
      </caption>
      ${tableHead('', 'Before', 'After', 'Change')}
      <tbody>
        ${changeRow('Compressed', p.size.compressed, 'bytes')}
        ${changeRow('Uncompressed', p.size.uncompressed, 'bytes')}
        ${changeRow('Files', p.size.files, 'count')} ${changeRow('Layers', p.layers.count, 'count')}
        ${savings}
      </tbody>
    </table>
    <h3 id="${id}-layers">
      Layers: ${p.layers.shared} shared, ${p.layers.removed.length} removed, ${p.layers.added.length} added
    </h3>
    ${
      p.layers.removed.length + p.layers.added.length === 0
        ? html`<p>The same layers.</p>`
        : html`<table>
            <caption>
              Layers only one image holds
            </caption>
            ${tableHead('', 'Index', 'Digest', 'Size', 'Made by')}
            <tbody>
              ${layerRows('−', p.layers.removed)} ${layerRows('+', p.layers.added)}
            </tbody>
          </table>`
    }
    <h3 id="${id}-findings">
      Findings: ${f.removed.length} removed, ${f.added.length} added, ${f.unchanged} unchanged
    </h3>
    ${
      f.removed.length + f.added.length === 0
        ? html`<p>No finding changed.</p>`
        : html`<table>
            <caption>
              Findings only one image has
            </caption>
            ${tableHead('', 'Severity', 'Check', 'Path', 'Finding')}
            <tbody>
              ${findingRows('−', f.removed)} ${findingRows('+', f.added)}
            </tbody>
          </table>`
    }
  </section>`;
}

/**
 * `pushgate diff --format html`: the diff as one self-contained page with the scan report's
 * styles and CSP (no script at all). Every string from either image is escaped by the `html` tag.
 */
export function renderDiffHtml(report: DiffReport): { html: string; csp: string } {
  const title = `pushgate diff: ${report.before.reference} → ${report.after.reference}`;
  const decisions = report.verdicts
    ? html`<dt>Decision</dt>
        <dd>
          <span class="badge decision-${headlineDecision(report.verdicts.before)}" id="decision-before"
            >${decisionLabel(headlineDecision(report.verdicts.before))}</span
          >
          →
          <span class="badge decision-${headlineDecision(report.verdicts.after)}" id="decision-after"
            >${decisionLabel(headlineDecision(report.verdicts.after))}</span
          >
        </dd>`
    : '';
  const head = html`<title>${title}</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <style>
      ${trusted(REPORT_STYLES)}
    </style>`;
  const body = html`<body>
    <a class="skip-link" href="#main">Skip to the diff</a>
    <header>
      <h1>${title}</h1>
      <dl class="facts">
        <dt>Before</dt>
        <dd><code>${report.before.reference}</code> (${report.before.source})</dd>
        <dt>After</dt>
        <dd><code>${report.after.reference}</code> (${report.after.source})</dd>
        ${decisions}
      </dl>
    </header>
    <main id="main" tabindex="-1">${report.platforms.map(platformSection)}</main>
    <footer>
      <p>
        pushgate diff (schema ${report.schemaVersion}). The full evidence is in <code>--format json</code>.
      </p>
    </footer>
  </body>`;
  return htmlPage(head, body);
}
