import { loadPolicies, type ExpiredWaiver, type LoadPoliciesResult } from '../policy/load-policies.js';
import type { PolicyProblem } from '../policy/types.js';
import { escapeText } from '../escape-text.js';
import type { CliEnvironment } from './cli-environment.js';
import { ExitCode } from './exit-codes.js';

/**
 * `file:line:col: error: message (key.path)`, the shape editors and CI annotations understand.
 * File names, keys and messages (which quote policy text) are escaped with the line as a whole.
 */
export function formatProblem(problem: PolicyProblem): string {
  const path = problem.path ? ` (${problem.path})` : '';
  return escapeText(
    `${problem.file}:${problem.line}:${problem.column}: ${problem.severity}: ${problem.message}${path}`,
  );
}

export function formatExpiredWaiver(waiver: ExpiredWaiver): string {
  return escapeText(
    `${waiver.file}:${waiver.line}:1: warning: waiver for rule ${waiver.rule} of policy ` +
      `${waiver.policy} expired on ${waiver.expires}; it no longer applies`,
  );
}

/** Every problem and expired waiver of a load, one line each, errors first in file order. */
export function formatLintResult(result: Pick<LoadPoliciesResult, 'problems' | 'expiredWaivers'>): string {
  const lines = [...result.problems.map(formatProblem), ...result.expiredWaivers.map(formatExpiredWaiver)];
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function hasErrors(problems: readonly PolicyProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/**
 * `pushgate policy lint PATH…`: exit 0 when every policy loads (warnings such as expired waivers
 * allowed), 1 when any error was found — lint's "failed" is the policy-failed exit code.
 */
export async function runPolicyLint(paths: string[], io: CliEnvironment): Promise<number> {
  const result = await loadPolicies(paths);
  const text = formatLintResult(result);
  const failed = hasErrors(result.problems);
  io.stdout.write(text);
  if (!failed) {
    const n = result.policies.length;
    io.stdout.write(`${n} ${n === 1 ? 'policy' : 'policies'} OK\n`);
  }
  return failed ? ExitCode.POLICY_FAILED : ExitCode.OK;
}
