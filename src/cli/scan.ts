import { writeFile } from 'node:fs/promises';
import { PushgateError } from '../errors.js';
import { collectChecks } from '../report/checks-catalogue.js';
import type { ScanReport } from '../report/scan-report.js';
import { EXTRACTORS } from '../facts/extractors/index.js';
import { PUSHGATE_VERSION } from '../version.js';
import { ExitCode } from './exit-codes.js';
import { unguardedOutput } from './guard-output.js';
import type { CompiledPolicy } from '../policy/compile-policies.js';
import type { Verdict } from '../policy/types.js';
import type { CliEnvironment } from './cli-environment.js';
import { resolveScanInput } from './scan-input.js';
import { SCAN_FORMATS } from './report-formats.js';
import { readImageReport } from './read-image.js';
export { defaultDockerConfig, dockerSocket, evaluationTargets } from './scan-source.js';
import { styleForTerminal, wantsColour } from './terminal-style.js';
import { escapeLines } from '../escape-text.js';
import { loadIgnoreFile } from './ignore-file.js';
import { filterFindings } from '../report/accept-findings.js';
import type { Severity } from '../facts/checks.js';

export interface ScanCommandOptions {
  format: string;
  output?: string;
  platform?: string;
  plainHttp?: boolean;
  dockerConfig?: string;
  progress: boolean;
  /** Policy files or directories; when given, the report carries verdicts and the exit code the decision. */
  policy?: string[];
  failOpen?: boolean;
  /** Deadline of the whole scan (resolve and every layer), e.g. `30m`; see scan-limits.ts. */
  timeout?: string;
  /** limits.maxImageBytes for this scan, e.g. `64GiB`. */
  maxImageBytes?: string;
  /** An image file or layout (Trivy's `--input`), instead of the reference. */
  input?: string;
  /** Severities to report (`--severity HIGH,CRITICAL`); all when absent. */
  severity?: string[];
  /** Exit with this code when findings remain (Trivy's `--exit-code`); not with `--policy`. */
  exitCode?: string;
  /** The ignore file; default `./.pushgateignore` when it exists. */
  ignorefile?: string;
}

export async function runScan(
  given: string | undefined,
  options: ScanCommandOptions,
  io: CliEnvironment,
): Promise<number> {
  if (!(SCAN_FORMATS as readonly string[]).includes(options.format)) {
    throw new PushgateError(
      'USAGE',
      `--format must be one of ${SCAN_FORMATS.join(', ')}, got "${options.format}"`,
    );
  }
  // Policies load before the image is read: a typo in a policy should not cost a pull.
  const policies =
    options.policy && options.policy.length > 0 ? await preparePolicies(options.policy, io) : undefined;
  if (policies === null) return ExitCode.USAGE;
  const severities = parseSeverities(options.severity);
  const findingsExit = parseExitCode(options.exitCode, options.policy);
  const ignore = await loadIgnoreFile(
    options.ignorefile,
    process.cwd(),
    collectChecks(EXTRACTORS).map((c) => c.id),
    new Date(),
  );
  for (const entry of ignore?.expired ?? [])
    io.stderr.write(
      `pushgate: ${entry.source}: the entry for ${entry.check} expired on ${entry.expires} and no longer applies\n`,
    );
  const reference = await resolveScanInput(given, options.input);
  const read = await readImageReport(reference, options, io, 'scan', policies);
  const verdicts = read.verdicts;
  const report = filterFindings(read.report, {
    ...(severities ? { severities } : {}),
    accept: ignore?.entries ?? [],
  });
  if (verdicts) report.verdicts = verdicts;
  const text = await renderReport(options.format, report, verdicts);
  if (options.output) await writeFile(options.output, text);
  else if (options.format === 'table' && io.stdout.isTTY)
    // The guard's escaping done here (idempotent), then colour codes the guard would show as text.
    unguardedOutput(io.stdout).write(
      styleForTerminal(escapeLines(text), { colour: wantsColour(io.env, true), width: io.stdout.columns }),
    );
  else io.stdout.write(text);
  if (verdicts) return verdicts.some(blocks) ? ExitCode.POLICY_FAILED : ExitCode.OK;
  // Without a policy, Trivy's contract: --exit-code N when findings remain after filters and accepts.
  const remaining = report.platforms.some((p) => p.findings.length > 0);
  return findingsExit !== undefined && remaining ? findingsExit : ExitCode.OK;
}

/** The report in `format`; only that format's renderer is loaded (the HTML one is two dozen modules). */
async function renderReport(
  format: string,
  report: ScanReport,
  verdicts: Verdict[] | undefined,
): Promise<string> {
  if (format === 'json') return (await import('../report/json.js')).renderJson(report);
  if (format === 'sarif') {
    const { renderSarif } = await import('../report/sarif.js');
    return renderSarif(report, collectChecks(EXTRACTORS), PUSHGATE_VERSION);
  }
  if (format === 'html') return (await import('../report/html-report.js')).renderReportHtml(report).html;
  const { renderTable } = await import('../report/table.js');
  const { renderVerdictTable } = await import('../report/verdict-table.js');
  return renderTable(report, collectChecks(EXTRACTORS)) + (verdicts ? renderVerdictTable(verdicts) : '');
}

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** `--severity LOW,MEDIUM` (repeatable, any case) as a set; undefined for all severities. */
function parseSeverities(values: string[] | undefined): Set<Severity> | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const set = new Set<Severity>();
  for (const value of values) {
    const severity = value.trim().toLowerCase() as Severity;
    if (!SEVERITIES.includes(severity))
      throw new PushgateError(
        'USAGE',
        `--severity takes ${SEVERITIES.map((s) => s.toUpperCase()).join(', ')} (comma-separated), got "${value}"`,
      );
    set.add(severity);
  }
  return set;
}

/** `--exit-code N` (0–255); with `--policy` the decision sets the exit code, so the two do not mix. */
function parseExitCode(value: string | undefined, policy: string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,3}$/.test(value) || Number(value) > 255)
    throw new PushgateError('USAGE', `--exit-code takes a number from 0 to 255, got "${value}"`);
  if (policy && policy.length > 0)
    throw new PushgateError(
      'USAGE',
      '--exit-code applies without --policy; with --policy the exit code is the decision (1 on reject)',
    );
  return Number(value);
}

/**
 * `reject` blocks; so does `error`, which evaluate() only returns under fail-closed (the default):
 * a policy that could not be evaluated vouches for nothing. `tag` and `warn` do not block.
 */
export function blocks(verdict: Verdict): boolean {
  return verdict.decision === 'reject' || verdict.decision === 'error';
}

/** Loaded and compiled policies, or null after printing the problems (a usage error). */
export async function preparePolicies(
  paths: string[],
  io: CliEnvironment,
): Promise<{ compiled: CompiledPolicy[]; version: string } | null> {
  // Loaded only with --policy: the policy loader brings YAML and ajv, which a plain scan never needs.
  const { loadPolicies } = await import('../policy/load-policies.js');
  const { compilePolicies } = await import('../policy/compile-policies.js');
  const { formatExpiredWaiver, formatLintResult, hasErrors } = await import('./policy-lint.js');
  const loaded = await loadPolicies(paths);
  if (hasErrors(loaded.problems)) {
    io.stderr.write(formatLintResult(loaded));
    io.stderr.write('pushgate: the policies have errors (see `pushgate policy lint`)\n');
    return null;
  }
  for (const waiver of loaded.expiredWaivers) io.stderr.write(`${formatExpiredWaiver(waiver)}\n`);
  return { compiled: compilePolicies(loaded.policies), version: loaded.version };
}
