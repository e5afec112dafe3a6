import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { PushgateError } from '../errors.js';
import { gatherFacts } from '../facts/gather-facts.js';
import { openImageSource } from '../image/open-image-source.js';
import { parsePlatformFilter } from '../image/select-manifests.js';
import { renderJson } from '../report/json.js';
import { buildScanReport } from '../report/scan-report.js';
import { renderSarif } from '../report/sarif.js';
import { renderReportHtml } from '../report/html-report.js';
import { collectChecks } from '../report/checks-catalogue.js';
import { EXTRACTORS } from '../facts/extractors/index.js';
import { PUSHGATE_VERSION } from '../version.js';
import { renderTable } from '../report/table.js';
import { ExitCode } from './exit-codes.js';
import { createProgress } from './progress.js';
import { unguardedOutput } from './guard-output.js';
import { loadPolicies } from '../policy/load-policies.js';
import { compilePolicies, type CompiledPolicy } from '../policy/compile-policies.js';
import { evaluate, type EvaluationTarget } from '../policy/evaluate.js';
import type { Verdict } from '../policy/types.js';
import { parseReference } from '../oci/reference.js';
import type { ResolvedImage } from '../image/types.js';
import type { PlatformFacts } from '../facts/gather-facts.js';
import { renderVerdictTable } from '../report/verdict-table.js';
import type { CliEnvironment } from './cli-environment.js';
import { formatExpiredWaiver, formatLintResult, hasErrors } from './policy-lint.js';
import { onInterrupt, withDeadline } from './scan-deadline.js';
import { scanLimits } from './scan-limits.js';
import { resolveScanInput } from './scan-input.js';
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

export const FORMATS = ['table', 'json', 'sarif', 'html'] as const;

export async function runScan(
  given: string | undefined,
  options: ScanCommandOptions,
  io: CliEnvironment,
): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(options.format)) {
    throw new PushgateError(
      'USAGE',
      `--format must be one of ${FORMATS.join(', ')}, got "${options.format}"`,
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
    stop.abort(new PushgateError('INTERRUPTED', `scan interrupted by ${signal}`));
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
    const report = filterFindings(buildScanReport(image, platforms, EXTRACTORS), {
      ...(severities ? { severities } : {}),
      accept: ignore?.entries ?? [],
    });
    // One verdict per platform and name: an image with several names is judged under each.
    const verdicts = policies
      ? platforms.flatMap((p) =>
          evaluationTargets(image, p).map((target) =>
            evaluate(policies.compiled, p.facts, target, {
              onError: options.failOpen ? 'fail-open' : 'fail-closed',
              policySetVersion: policies.version,
            }),
          ),
        )
      : undefined;
    if (verdicts) report.verdicts = verdicts;
    const text =
      options.format === 'json'
        ? renderJson(report)
        : options.format === 'sarif'
          ? renderSarif(report, collectChecks(EXTRACTORS), PUSHGATE_VERSION)
          : options.format === 'html'
            ? renderReportHtml(report).html
            : renderTable(report, collectChecks(EXTRACTORS)) + (verdicts ? renderVerdictTable(verdicts) : '');
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
  } finally {
    uninstall();
    await source.close();
  }
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

/** The Docker CLI's own config, when there is one; an explicit --docker-config must exist. */
export function defaultDockerConfig(env: NodeJS.ProcessEnv): string | undefined {
  const path = env.DOCKER_CONFIG
    ? `${env.DOCKER_CONFIG}/config.json`
    : env.HOME
      ? `${env.HOME}/.docker/config.json`
      : undefined;
  return path && existsSync(path) ? path : undefined;
}

export function dockerSocket(env: NodeJS.ProcessEnv): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
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
  const loaded = await loadPolicies(paths);
  if (hasErrors(loaded.problems)) {
    io.stderr.write(formatLintResult(loaded));
    io.stderr.write('pushgate: the policies have errors (see `pushgate policy lint`)\n');
    return null;
  }
  for (const waiver of loaded.expiredWaivers) io.stderr.write(`${formatExpiredWaiver(waiver)}\n`);
  return { compiled: compilePolicies(loaded.policies), version: loaded.version };
}

/**
 * What policies match on. A registry reference names registry, repository and tag. The other
 * sources name the image through `ResolvedImage.names` (the selector's name, else the archive's
 * RepoTags, the layout's ref names or the engine's tags): one target per name, registry '' unless
 * the name spells one. An image without names is judged under its reference as the repository.
 */
export function evaluationTargets(image: ResolvedImage, platform: PlatformFacts): EvaluationTarget[] {
  const base = {
    digest: platform.manifestDigest ?? platform.facts.image.configDigest,
    image: image.reference,
    platform: platform.platform,
  };
  if (image.source === 'registry') {
    const ref = parseReference(image.reference);
    return [
      {
        ...base,
        registry: ref.registry,
        repository: ref.repository,
        ...(ref.tag ? { tag: ref.tag } : {}),
      },
    ];
  }
  const names = image.names ?? [];
  if (names.length === 0) return [{ ...base, registry: '', repository: image.reference }];
  return names.map((name) => ({
    ...base,
    image: name.reference,
    registry: name.registry,
    repository: name.repository ?? image.reference,
    ...(name.tag !== undefined ? { tag: name.tag } : {}),
  }));
}
