import type { ReportFinding } from '../../facts/checks.js';
import type { AcceptedFinding } from '../accept-findings.js';
import { evidenceList } from './evidence-list.js';
import { remedyHtml } from './remedy-markdown.js';
import { html, type SafeHtml } from './safe-html.js';
import { tableHead } from './table-head.js';

/** Accepted findings are not findings: the filters (and their count) leave their rows alone. */
function findingRow(idPrefix: string, finding: ReportFinding, extra?: SafeHtml): SafeHtml {
  const marker = extra
    ? html`data-accepted-severity="${finding.severity}"`
    : html`data-severity="${finding.severity}"`;
  return html`<tr ${marker}>
    <td><span class="sev-${finding.severity}">${finding.severity.toUpperCase()}</span></td>
    <td>
      ${finding.helpUri ? html`<a href="${finding.helpUri}"><code>${finding.check}</code></a>` : html`<code>${finding.check}</code>`}
    </td>
    <td>${finding.message}${extra ?? ''}</td>
    <td>${evidenceList(idPrefix, finding.evidence)}</td>
  </tr>`;
}

const HEAD = tableHead('Severity', 'Check', 'Finding', 'Evidence');

/**
 * Findings grouped by category (the table report's grouping), each group with its remedies:
 * one per distinct remedy, naming the checks that share it. Secret findings carry only the
 * masked preview the facts hold.
 */
export function findingsSection(
  idPrefix: string,
  findings: readonly ReportFinding[],
  accepted: readonly AcceptedFinding[],
): SafeHtml {
  const categories = [...new Set(findings.map((f) => f.category))];
  return html`<section aria-labelledby="${idPrefix}-findings">
    <h3 id="${idPrefix}-findings">Findings (${findings.length})</h3>
    ${findings.length === 0 ? html`<p>No findings.</p>` : ''}
    ${categories.map((category, c) => {
      const group = findings.filter((f) => f.category === category);
      return html`<section
        aria-labelledby="${idPrefix}-cat-${c}"
        class="category"
        data-category="${category}"
      >
        <h4 id="${idPrefix}-cat-${c}">${category} <span class="count">(${group.length})</span></h4>
        <table>
          <caption class="muted">
            ${category}: ${group.length} finding${group.length === 1 ? '' : 's'}
          </caption>
          ${HEAD}
          <tbody>
            ${group.map((f) => findingRow(idPrefix, f))}
          </tbody>
        </table>
        ${remedies(group)}
      </section>`;
    })}
    ${
      accepted.length > 0
        ? html`<section aria-labelledby="${idPrefix}-accepted">
            <h4 id="${idPrefix}-accepted">Accepted by the ignore file (${accepted.length})</h4>
            <table>
              <caption class="muted">
                Not counted as findings
              </caption>
              ${HEAD}
              <tbody>
                ${accepted.map((f) =>
                  findingRow(
                    idPrefix,
                    f,
                    html`<br /><em
                        >accepted: ${f.accepted.reason}
                        (${f.accepted.source}${f.accepted.expires ? `, until ${f.accepted.expires}` : ''})</em
                      >`,
                  ),
                )}
              </tbody>
            </table>
          </section>`
        : ''
    }
  </section>`;
}

function remedies(group: readonly ReportFinding[]): SafeHtml {
  const byRemedy = new Map<string, string[]>();
  for (const finding of group) {
    if (!finding.remedy) continue;
    const checks = byRemedy.get(finding.remedy) ?? [];
    if (!checks.includes(finding.check)) checks.push(finding.check);
    byRemedy.set(finding.remedy, checks);
  }
  return html`${[...byRemedy].map(
    ([markdown, checks]) =>
      html`<div class="remedy">
        <p>
          <strong>How to fix</strong> ${checks.map((id, i) => html`${i > 0 ? ', ' : ''}<code>${id}</code>`)}:
        </p>
        ${remedyHtml(markdown)}
      </div>`,
  )}`;
}
