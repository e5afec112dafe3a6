import { PushgateError } from '../errors.js';
import { EXTRACTORS } from '../facts/extractors/index.js';
import { gatherFacts } from '../facts/gather-facts.js';
import { openImageSource } from '../image/open-image-source.js';
import { parsePlatformFilter } from '../image/select-manifests.js';
import type { CompiledPolicy } from '../policy/compile-policies.js';
import type { Verdict } from '../policy/types.js';
import { buildScanReport, type ScanReport } from '../report/scan-report.js';
import type { CliEnvironment } from './cli-environment.js';
import { unguardedOutput } from './guard-output.js';
import { createProgress } from './progress.js';
import { defaultDockerConfig, dockerSocket, evaluationTargets } from './scan-source.js';
import { onInterrupt, withDeadline } from './scan-deadline.js';
import { scanLimits } from './scan-limits.js';

/** The source options `scan` and `diff` share. */
export interface ReadImageOptions {
  platform?: string;
  plainHttp?: boolean;
  dockerConfig?: string;
  failOpen?: boolean;
  timeout?: string;
  maxImageBytes?: string;
  /** Show layer progress on a terminal stderr. */
  progress?: boolean;
}

/**
 * Reads one image the way `pushgate scan` does — source, platform filter, limits, deadline,
 * interrupt handling, every extractor — and builds its report, with one verdict per platform
 * and name when policies are given. `command` names the command in an interruption's message.
 */
export async function readImageReport(
  reference: string,
  options: ReadImageOptions,
  io: CliEnvironment,
  command: string,
  policies: { compiled: CompiledPolicy[]; version: string } | undefined,
): Promise<{ report: ScanReport; verdicts?: Verdict[] }> {
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
    stop.abort(new PushgateError('INTERRUPTED', `${command} interrupted by ${signal}`));
    await source.close();
  }, io.stderr);
  try {
    const { image, platforms } = await withDeadline(limits.timeoutMs, stop, reference, async () => {
      const image = await source.resolve(filter);
      const progress =
        options.progress && io.stderr.isTTY ? createProgress(unguardedOutput(io.stderr)) : undefined;
      const platforms = await gatherFacts(image, {
        onProgress: progress?.update,
        signal: stop.signal,
        limits: {
          maxImageUncompressedBytes: limits.maxImageBytes,
          maxImageCompressedBytes: limits.maxImageBytes,
        },
      });
      progress?.done();
      return { image, platforms };
    });
    const report = buildScanReport(image, platforms, EXTRACTORS);
    // One verdict per platform and name: an image with several names is judged under each.
    if (policies === undefined) return { report };
    const { evaluate } = await import('../policy/evaluate.js');
    const verdicts = platforms.flatMap((p) =>
      evaluationTargets(image, p).map((target) =>
        evaluate(policies.compiled, p.facts, target, {
          onError: options.failOpen ? 'fail-open' : 'fail-closed',
          policySetVersion: policies.version,
        }),
      ),
    );
    return { report, verdicts };
  } finally {
    uninstall();
    await source.close();
  }
}
