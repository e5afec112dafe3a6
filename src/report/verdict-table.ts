import type { Verdict } from '../policy/types.js';
import { escapeText } from '../escape-text.js';

/**
 * The "Policy verdict" section of the table report: the decision, then every policy's result.
 * Platform, policy names, rules and messages come from images and policy files: every line is
 * escaped as a whole, as in the table report.
 */
export function renderVerdictTable(verdicts: readonly Verdict[]): string {
  const lines: string[] = [];
  for (const verdict of verdicts) {
    lines.push('');
    // The image as judged: an image with several names gets a verdict under each.
    lines.push(`Policy verdict  ${verdict.platform}  ${verdict.image}`);
    lines.push(`Decision  ${verdict.decision.toUpperCase()}`);
    lines.push(`Policies  ${verdict.policySetVersion} (policy set version)`);
    for (const policy of verdict.policies) {
      lines.push(
        `  ${policy.result.toUpperCase().padEnd(5)} ${policy.name}${policy.mode === 'audit' ? ' (audit)' : ''}`,
      );
      if (policy.error) lines.push(`          error: ${policy.error}`);
      for (const v of policy.violations) {
        const waived = v.waived ? ` [waived until ${v.waived.expires}: ${v.waived.reason}]` : '';
        lines.push(`          ${v.severity.toUpperCase().padEnd(8)} ${v.rule}  ${v.message}${waived}`);
      }
    }
  }
  return `${lines.map(escapeText).join('\n')}\n`;
}
