import { writeFile } from 'node:fs/promises';
import { PushgateError } from '../errors.js';
import { EXTRACTORS } from '../facts/extractors/index.js';
import { gatherFacts } from '../facts/gather-facts.js';
import { openImageSource } from '../image/open-image-source.js';
import { parsePlatformFilter } from '../image/select-manifests.js';
import { evaluate } from '../policy/evaluate.js';
import type { CompiledPolicy } from '../policy/compile-policies.js';
import { buildDiffReport } from '../report/diff-report.js';
import { renderDiffTable } from '../report/diff-table.js';
import { escapeJson } from '../escape-text.js';
import { buildScanReport, type ScanReport } from '../report/scan-report.js';
import type { CliEnvironment } from './cli-environment.js';
import { ExitCode } from './exit-codes.js';
import { blocks, defaultDockerConfig, dockerSocket, evaluationTargets, preparePolicies } from './scan.js';
import { onInterrupt, withDeadline } from './scan-deadline.js';
import { resolveScanInput } from './scan-input.js';
import { scanLimits } from './scan-limits.js';

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

export const DIFF_FORMATS = ['table', 'json'] as const;

/** Reads one image as `scan` does (same sources and limits; each image gets the whole timeout). */
async function readReport(
  given: string,
  options: DiffCommandOptions,
  io: CliEnvironment,
  policies: { compiled: CompiledPolicy[]; version: string } | undefined,
): Promise<ScanReport> {
  const reference = await resolveScanInput(given, undefined);
  const filter = options.platform ? parsePlatformFilter(options.platform) : undefined;
  const limits = scanLimits(options, io.env);
  const stop = new AbortController();
  const source = await openImageSource(reference, {
    plainHttp: options.plainHttp ?? false,
    dockerConfigPath: options.dockerConfig ?? defaultDockerConfig(io.env),
    dockerSocket: dockerSocket(io.env),
    signal: stop.signal,
    throughput: limits.throughput,
    maxImageBytes: limits.maxImageBytes,
  });
  const uninstall = onInterrupt(async (signal) => {
    stop.abort(new PushgateError('INTERRUPTED', `diff interrupted by ${signal}`));
    await source.close();
  }, io.stderr);
  try {
    const { image, platforms } = await withDeadline(limits.timeoutMs, stop, reference, async () => {
      const image = await source.resolve(filter);
      const platforms = await gatherFacts(image, {
        signal: stop.signal,
        limits: {
          maxImageUncompressedBytes: limits.maxImageBytes,
          maxImageCompressedBytes: limits.maxImageBytes,
        },
      });
      return { image, platforms };
    });
    const report = buildScanReport(image, platforms, EXTRACTORS);
    if (policies) {
      report.verdicts = platforms.flatMap((p) =>
        evaluationTargets(image, p).map((target) =>
          evaluate(policies.compiled, p.facts, target, {
            onError: options.failOpen ? 'fail-open' : 'fail-closed',
            policySetVersion: policies.version,
          }),
        ),
      );
    }
    return report;
  } finally {
    uninstall();
    await source.close();
  }
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
    options.format === 'json' ? `${escapeJson(JSON.stringify(report, null, 2))}\n` : renderDiffTable(report);
  if (options.output) await writeFile(options.output, text);
  else io.stdout.write(text);
  if (policies) return (b.verdicts ?? []).some(blocks) ? ExitCode.POLICY_FAILED : ExitCode.OK;
  return ExitCode.OK;
}
