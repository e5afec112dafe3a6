import type { Verdict } from '../../policy/types.js';
import { decisionLabel } from './decision.js';
import { html, type SafeHtml } from './safe-html.js';
import { tableHead } from './table-head.js';

/**
 * The policies of one platform's verdicts (one per image name): every policy's result and its
 * violations, waived ones marked. Names, rules and messages come from policy files and images.
 */
export function verdictSection(idPrefix: string, verdicts: readonly Verdict[]): SafeHtml {
  if (verdicts.length === 0)
    return html`<section aria-labelledby="${idPrefix}-policies">
      <h3 id="${idPrefix}-policies">Policies</h3>
      <p class="muted">
        No policy was evaluated: run <code>pushgate scan --policy DIR</code> for a decision.
      </p>
    </section>`;
  return html`<section aria-labelledby="${idPrefix}-policies">
    <h3 id="${idPrefix}-policies">Policies</h3>
    ${verdicts.map(
      (verdict) =>
        html`<table>
          <caption>
            Decision
            <span class="badge decision-${verdict.decision}">${decisionLabel(verdict.decision)}</span>
            for
            <code>${verdict.image}</code>
            (policy set ${verdict.policySetVersion})
          </caption>
          ${tableHead('Policy', 'Mode', 'Result', 'Violations')}
          <tbody>
            ${verdict.policies.map(
              (policy) =>
                html`<tr>
                  <th scope="row">${policy.name}</th>
                  <td>${policy.mode}</td>
                  <td>
                    <span class="badge decision-${policyClass(policy.result)}"
                      >${policy.result.toUpperCase()}</span
                    >
                  </td>
                  <td>
                    ${policy.error ? html`<p>error: ${policy.error}</p>` : ''}${
                      policy.violations.length === 0
                        ? html`<span class="muted">none</span>`
                        : html`<ul class="evidence">
                            ${policy.violations.map(
                              (v) =>
                                html`<li>
                                  <span class="sev-${v.severity}">${v.severity.toUpperCase()}</span>
                                  <code>${v.rule}</code> ${v.message}${
                                    v.waived
                                      ? html` <em>(waived until ${v.waived.expires}: ${v.waived.reason})</em>`
                                      : ''
                                  }
                                </li>`,
                            )}
                          </ul>`
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>`,
    )}
  </section>`;
}

function policyClass(result: string): string {
  return result === 'fail' ? 'reject' : result === 'skip' ? 'none' : result;
}
