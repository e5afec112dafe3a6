import { writeFile } from 'node:fs/promises';
import { PushgateError } from '../errors.js';
import type { CompiledPolicy } from '../policy/compile-policies.js';
import { buildDiffReport } from '../report/diff-report.js';
import { renderDiffTable } from '../report/diff-table.js';
import { renderDiffHtml } from '../report/diff-html.js';
import { escapeJson } from '../escape-text.js';
import { type ScanReport } from '../report/scan-report.js';
import type { CliEnvironment } from './cli-environment.js';
import { ExitCode } from './exit-codes.js';
import { blocks, preparePolicies } from './scan.js';
import { readImageReport } from './read-image.js';
import { resolveScanInput } from './scan-input.js';
import { DIFF_FORMATS } from './report-formats.js';

export interface DiffCommandOptions {
  format: string;
  output?: string;
  platform?: string;
  plainHttp?: boolean;
  dockerConfig?: string;
  policy?: string[];
  failOpen?: boolean;
  timeout?: string;
  maxImageBytes?: string;
}

/** Reads one image as `scan` does (same sources and limits; each image gets the whole timeout). */
async function readReport(
  given: string,
  options: DiffCommandOptions,
  io: CliEnvironment,
  policies: { compiled: CompiledPolicy[]; version: string } | undefined,
): Promise<ScanReport> {
  const reference = await resolveScanInput(given, undefined);
  const { report, verdicts } = await readImageReport(reference, options, io, 'diff', policies);
  if (verdicts) report.verdicts = verdicts;
  return report;
}

/**
 * `pushgate diff REF_A REF_B`: both images read as `scan` reads them, then size, layers, savings
 * categories, findings added and removed and (with --policy) both verdicts side by side. Exit 0;
 * with --policy, 1 when the second image's decision blocks (it is the one about to ship).
 */
export async function runDiff(
  before: string,
  after: string,
  options: DiffCommandOptions,
  io: CliEnvironment,
): Promise<number> {
  if (!(DIFF_FORMATS as readonly string[]).includes(options.format)) {
    throw new PushgateError(
      'USAGE',
      `--format must be one of ${DIFF_FORMATS.join(', ')}, got "${options.format}"`,
    );
  }
  const policies =
    options.policy && options.policy.length > 0 ? await preparePolicies(options.policy, io) : undefined;
  if (policies === null) return ExitCode.USAGE;
  // One after the other: two concurrent pulls would halve each one's share of the throughput floor.
  const a = await readReport(before, options, io, policies);
  const b = await readReport(after, options, io, policies);
  const report = buildDiffReport(a, b);
  const text =
    options.format === 'json'
      ? `${escapeJson(JSON.stringify(report, null, 2))}\n`
      : options.format === 'html'
        ? renderDiffHtml(report).html
        : renderDiffTable(report);
  if (options.output) await writeFile(options.output, text);
  else io.stdout.write(text);
  if (policies) return (b.verdicts ?? []).some(blocks) ? ExitCode.POLICY_FAILED : ExitCode.OK;
  return ExitCode.OK;
}
