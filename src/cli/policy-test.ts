import type { Command } from 'commander';
import { escapeText } from '../escape-text.js';
import type { PolicyTestResult } from '../policy/run-policy-tests.js';
import { ExitCode } from './exit-codes.js';
import type { CliEnvironment } from './cli-environment.js';

/** One or two lines, each escaped whole: names and messages come from policy and fixture files. */
function describeFailure(result: PolicyTestResult): string {
  const where = result.case ? `${result.file} › ${result.case}` : result.file;
  const what = result.rule ? `${result.policy}/${result.rule}` : result.policy || 'test';
  const head = escapeText(`FAIL ${where}: ${what}: expected ${result.expected}, got ${result.actual}`);
  return result.message ? `${head}\n     ${escapeText(result.message)}` : head;
}

/** Prints each failure and `N passed, N failed`; 0 when every expectation held, 1 otherwise. */
export async function runPolicyTestCommand(paths: string[], io: CliEnvironment): Promise<number> {
  // Loaded here, not at the top: registering the command must stay cheap (see main.ts).
  const { runPolicyTests } = await import('../policy/run-policy-tests.js');
  const run = await runPolicyTests(paths);
  for (const result of run.results) if (!result.ok) io.stdout.write(`${describeFailure(result)}\n`);
  io.stdout.write(`${run.passed} passed, ${run.failed} failed\n`);
  return run.failed === 0 && run.passed > 0 ? ExitCode.OK : ExitCode.POLICY_FAILED;
}

/**
 * Adds `test PATH…` to the `policy` command. Exit codes reach the caller through `setExit`
 * (as `main` collects them), defaulting to `process.exitCode` when none is given.
 */
export function registerPolicyTestCommand(
  policyCommand: Command,
  io: CliEnvironment,
  setExit: (code: number) => void = (code) => {
    process.exitCode = code;
  },
): Command {
  return policyCommand
    .command('test')
    .description(
      'Run PolicyTest cases (facts fixtures + expected result per rule) beside policies, like `kyverno test`',
    )
    .argument('<paths...>', 'PolicyTest files or folders holding them (e.g. policies/)')
    .action(async (paths: string[]) => {
      setExit(await runPolicyTestCommand(paths, io));
    });
}
