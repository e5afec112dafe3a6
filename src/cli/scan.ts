import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { PushgateError } from '../errors.js';
import { gatherFacts } from '../facts/gather-facts.js';
import { openImageSource } from '../image/open-image-source.js';
import { parsePlatformFilter } from '../image/select-manifests.js';
import { renderJson } from '../report/json.js';
import { buildScanReport } from '../report/scan-report.js';
import { renderSarif } from '../report/sarif.js';
import { collectChecks } from '../report/checks-catalogue.js';
import { EXTRACTORS } from '../facts/extractors/index.js';
import { PUSHGATE_VERSION } from '../version.js';
import { renderTable } from '../report/table.js';
import { ExitCode } from './exit-codes.js';
import { createProgress } from './progress.js';

export interface ScanCommandOptions {
  format: string;
  output?: string;
  platform?: string;
  plainHttp?: boolean;
  dockerConfig?: string;
  progress: boolean;
}

export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export const FORMATS = ['table', 'json', 'sarif'] as const;

export async function runScan(
  reference: string,
  options: ScanCommandOptions,
  io: CliEnvironment,
): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(options.format)) {
    throw new PushgateError(
      'USAGE',
      `--format must be one of ${FORMATS.join(', ')}, got "${options.format}"`,
    );
  }
  const filter = options.platform ? parsePlatformFilter(options.platform) : undefined;
  const source = await openImageSource(reference, {
    plainHttp: options.plainHttp ?? false,
    dockerConfigPath: options.dockerConfig ?? defaultDockerConfig(io.env),
    dockerSocket: dockerSocket(io.env),
  });
  try {
    const image = await source.resolve(filter);
    const progress = options.progress && io.stderr.isTTY ? createProgress(io.stderr) : undefined;
    const platforms = await gatherFacts(image, { onProgress: progress?.update });
    progress?.done();
    const report = buildScanReport(image, platforms, EXTRACTORS);
    const text =
      options.format === 'json'
        ? renderJson(report)
        : options.format === 'sarif'
          ? renderSarif(report, collectChecks(EXTRACTORS), PUSHGATE_VERSION)
          : renderTable(report);
    if (options.output) await writeFile(options.output, text);
    else io.stdout.write(text);
    return ExitCode.OK;
  } finally {
    await source.close();
  }
}

/** The Docker CLI's own config, when there is one; an explicit --docker-config must exist. */
function defaultDockerConfig(env: NodeJS.ProcessEnv): string | undefined {
  const path = env.DOCKER_CONFIG
    ? `${env.DOCKER_CONFIG}/config.json`
    : env.HOME
      ? `${env.HOME}/.docker/config.json`
      : undefined;
  return path && existsSync(path) ? path : undefined;
}

function dockerSocket(env: NodeJS.ProcessEnv): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}
