import { Command, CommanderError, Option } from 'commander';
import { isPushgateError, type PushgateError } from '../errors.js';
import { escapeLines, escapeText } from '../escape-text.js';
import { guardOutput } from './guard-output.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { PUSHGATE_VERSION } from '../version.js';
import type { CliEnvironment } from './cli-environment.js';
import { DIFF_FORMATS, SCAN_FORMATS } from './report-formats.js';
import { DEFAULT_SCAN_TIMEOUT } from './scan-limits.js';
import { registerPolicyTestCommand } from './policy-test.js';
import type { ServiceMode } from './run-service.js';
import { registerAdmissionCommands } from './admission-command.js';

// Every action imports what it runs when it runs (ARCHITECTURE.md, src/cli): `--version`,
// `--help` and a scan never load the service stack (express, BullMQ, ioredis, dockerode…), and
// each command loads only its own dependencies. Only cheap modules are imported above.

/**
 * A repeatable option that also splits on commas (`--policy a --policy b`, `--policy a,b`). Never
 * variadic: a variadic option swallows the arguments after it (`scan --policy p/ IMAGE`).
 */
function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((part) => part !== '')];
}

function buildProgram(io: CliEnvironment, setExit: (code: number) => void): Command {
  const program = new Command('pushgate')
    .description(
      'Keeps compilers, shells, package managers, dev dependencies, root users and secrets out of production images.',
    )
    .version(PUSHGATE_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  program
    .command('scan')
    .description('Read an image and print what it holds')
    .argument(
      '[reference]',
      'HOST/REPO:TAG, HOST/REPO@sha256:…, a Docker Hub name, docker://NAME:TAG, docker-archive:FILE, oci:DIR, oci:FILE.tar, or a file path (docker save or OCI tar, told apart by content)',
    )
    .option('-i, --input <file>', 'read the image from a docker save tar, an OCI layout tar or directory')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices([...SCAN_FORMATS]).default('table'),
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--platform <os/arch[/variant]>', 'read only this platform of a multi-platform image')
    .option('--plain-http', 'talk to the registry over plain HTTP (never the default)')
    .option(
      '--docker-config <path>',
      'Docker config.json with registry credentials (default ~/.docker/config.json)',
    )
    .option('--no-progress', 'no progress on stderr (it is only shown on a terminal anyway)')
    .option(
      '--policy <path>',
      'evaluate the ImagePolicy files or directories (repeat it, or separate with commas); exit 1 when the decision is reject (or error)',
      collectList,
    )
    .option(
      '--severity <list>',
      'report only findings of these severities: CRITICAL,HIGH,MEDIUM,LOW,INFO (repeatable; policy verdicts are not affected)',
      collectList,
    )
    .option(
      '--exit-code <n>',
      'without --policy: exit with this code when findings remain (after --severity and the ignore file)',
    )
    .option(
      '--ignorefile <path>',
      'accepted findings (YAML: check, path, fingerprint, reason, expires); default ./.pushgateignore when present',
    )
    .option('--fail-open', 'a policy that cannot be evaluated does not block (default: it blocks, exit 1)')
    .option(
      '--timeout <duration>',
      'give up on the whole scan after this long (90s, 5m, 1h30m; exit 3, SCAN_TIMEOUT)',
      DEFAULT_SCAN_TIMEOUT,
    )
    .option(
      '--max-image-bytes <size>',
      'refuse images larger than this, compressed or uncompressed, and docker:// saves (e.g. 10GiB; default 64GiB)',
    )
    .action(async (reference: string | undefined, options) => {
      const { runScan } = await import('./scan.js');
      setExit(await runScan(reference, options, io));
    });

  program
    .command('diff')
    .description(
      'Compare two images (before and after a multi-stage rewrite, or two releases): size, layers, savings, findings, policy results',
    )
    .argument(
      '<before>',
      'the first image: any reference `scan` takes (docker-archive:FILE, oci:DIR, HOST/REPO:TAG…)',
    )
    .argument('<after>', 'the second image; with --policy its decision sets the exit code')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices([...DIFF_FORMATS]).default('table'),
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--platform <os/arch[/variant]>', 'read only this platform of multi-platform images')
    .option('--plain-http', 'talk to the registry over plain HTTP (never the default)')
    .option(
      '--docker-config <path>',
      'Docker config.json with registry credentials (default ~/.docker/config.json)',
    )
    .option(
      '--policy <path>',
      'evaluate the ImagePolicy files or directories on both images; exit 1 when the second is rejected (or error)',
      collectList,
    )
    .option('--fail-open', 'a policy that cannot be evaluated does not block (default: it blocks, exit 1)')
    .option(
      '--timeout <duration>',
      'give up on each image after this long (90s, 5m, 1h30m)',
      DEFAULT_SCAN_TIMEOUT,
    )
    .option('--max-image-bytes <size>', 'refuse images larger than this (e.g. 10GiB; default 64GiB)')
    .action(async (before: string, after: string, options) => {
      const { runDiff } = await import('./diff.js');
      setExit(await runDiff(before, after, options, io));
    });

  program
    .command('facts')
    .description('The facts document policies are written against')
    .command('schema')
    .description('Print the JSON Schema (2020-12) of the facts document')
    .action(async () => {
      const { renderFactsSchema } = await import('./facts-schema.js');
      io.stdout.write(renderFactsSchema());
    });

  const policy = program.command('policy').description('Write and check ImagePolicy documents');
  policy
    .command('lint')
    .description('Check policy files and directories; exit 1 when any has an error')
    .argument('<path...>', 'policy files (YAML, multi-document allowed) or directories')
    .action(async (paths: string[]) => {
      const { runPolicyLint } = await import('./policy-lint.js');
      setExit(await runPolicyLint(paths, io));
    });
  policy
    .command('schema')
    .description('Print the JSON Schema (2020-12) of ImagePolicy documents')
    .action(async () => {
      const { renderPolicySchema } = await import('./policy-schema.js');
      io.stdout.write(renderPolicySchema());
    });
  policy
    .command('rule-schema')
    .description('Print the JSON Schema of what a rule schema may name (generated from the facts schema)')
    .action(async () => {
      const { renderRuleSchemaMeta } = await import('./policy-schema.js');
      io.stdout.write(renderRuleSchemaMeta());
    });
  registerPolicyTestCommand(policy, io, setExit);

  const services: Array<[ServiceMode, string]> = [
    ['serve', 'Serve webhooks, the API, /metrics and the health checks (needs Redis)'],
    ['worker', 'Run the BullMQ workers that inspect images and apply verdicts (needs Redis)'],
    ['start', 'serve and worker in one process; starts a local redis-server when no REDIS_URL is set'],
  ];
  for (const [mode, description] of services) {
    program
      .command(mode)
      .description(description)
      .option(
        '-c, --config <file>',
        'configuration file (default: $PUSHGATE_CONFIG, else ./pushgate.yaml, else built-in defaults)',
      )
      .action(async (options: { config?: string }) => {
        const { runService } = await import('./run-service.js');
        setExit(await runService(mode, options, io));
      });
  }

  const config = program.command('config').description('Check and print the service configuration');
  const configFile = '-c, --config <file>';
  const configFileHelp =
    'configuration file (default: $PUSHGATE_CONFIG, else ./pushgate.yaml, else built-in defaults)';
  config
    .command('check')
    .description('Validate the configuration (file + environment); exit 2 on a problem')
    .option(configFile, configFileHelp)
    .action(async (options: { config?: string }) => {
      const { runConfigCheck } = await import('./config-command.js');
      setExit(runConfigCheck(options.config, io));
    });
  config
    .command('show')
    .description('Print the filled-in configuration as YAML, every secret redacted')
    .option(configFile, configFileHelp)
    .action(async (options: { config?: string }) => {
      const { runConfigShow } = await import('./config-command.js');
      setExit(runConfigShow(options.config, io));
    });
  config
    .command('schema')
    .description('Print the JSON Schema (2020-12) of the configuration file')
    .action(async () => {
      const { renderConfigSchema } = await import('./config-command.js');
      io.stdout.write(renderConfigSchema());
    });

  registerAdmissionCommands(program, io, setExit);

  program
    .command('checks')
    .description('Print the catalogue of check ids (Markdown, as in CHECKS.md)')
    .action(async () => {
      const { renderChecksCatalogue, collectChecks } = await import('../report/checks-catalogue.js');
      const { EXTRACTORS } = await import('../facts/extractors/index.js');
      io.stdout.write(renderChecksCatalogue(collectChecks(EXTRACTORS)));
    });

  return program;
}

/**
 * An error message for the terminal. Messages quote image and user text (manifest.json layer
 * names, RepoTags, references, file names) as it is, so they are escaped here, newlines included:
 * one error is one line. Only CONFIG_INVALID lists its problems one per line, and those lines come
 * from the operator's own configuration and policy files; its newlines are kept.
 */
function errorMessage(err: PushgateError): string {
  const text = err.code === 'CONFIG_INVALID' ? escapeLines(err.message) : escapeText(err.message);
  return `${text} [${err.code}]`;
}

export async function main(
  argv: string[],
  given: CliEnvironment = { env: process.env, stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const io: CliEnvironment = {
    env: given.env,
    stdout: guardOutput(given.stdout),
    stderr: guardOutput(given.stderr),
  };
  let code: number = ExitCode.OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    const message = isPushgateError(err) ? errorMessage(err) : String((err as Error)?.stack ?? err);
    io.stderr.write(`pushgate: ${message}\n`);
    return exitCodeFor(err);
  }
}
