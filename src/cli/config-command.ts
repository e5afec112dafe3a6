import { stringify } from 'yaml';
import { isPushgateError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { redactConfig } from '../config/redact-config.js';
import { CONFIG_SCHEMA } from '../config/validate-config-schema.js';

/** What the config commands need of the CLI's environment (CliEnvironment fits). */
export interface ConfigCommandIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Where ./pushgate.yaml is looked for; `process.cwd()` when absent. */
  cwd?: string;
}

/** The configuration, or the problems written to `out` and undefined; other errors are thrown. */
function tryLoad(
  path: string | undefined,
  io: ConfigCommandIo,
  out: ConfigCommandIo['stdout'],
): LoadedConfig | undefined {
  try {
    return loadConfig({ path, env: io.env, cwd: io.cwd });
  } catch (err) {
    if (!isPushgateError(err) || err.code !== 'CONFIG_INVALID') throw err;
    out.write(`${err.message}\n`);
    return undefined;
  }
}

function warningLines(warnings: readonly string[]): string {
  return warnings.map((warning) => `warning: ${warning}\n`).join('');
}

/**
 * `pushgate config check [--config FILE]`: "config OK: <source>" and any warnings (exit 0), or
 * every problem (exit 2, the usage/config exit code). Everything goes to stdout: it is the output.
 */
export function runConfigCheck(path: string | undefined, io: ConfigCommandIo): number {
  const loaded = tryLoad(path, io, io.stdout);
  if (!loaded) return ExitCode.USAGE;
  io.stdout.write(`config OK: ${loaded.source}\n${warningLines(loaded.warnings)}`);
  return ExitCode.OK;
}

/**
 * `pushgate config show [--config FILE]`: the filled-in configuration as YAML with every secret
 * redacted. Warnings and problems go to stderr, so stdout is always a valid YAML document.
 */
export function runConfigShow(path: string | undefined, io: ConfigCommandIo): number {
  const loaded = tryLoad(path, io, io.stderr);
  if (!loaded) return ExitCode.USAGE;
  io.stderr.write(warningLines(loaded.warnings));
  io.stdout.write(
    `# pushgate configuration from ${loaded.source}, defaults filled in, secrets redacted\n` +
      stringify(redactConfig(loaded.config), { lineWidth: 0 }),
  );
  return ExitCode.OK;
}

/** `pushgate config schema`: config.schema.json (JSON Schema 2020-12), for editors and CI. */
export function renderConfigSchema(): string {
  return `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`;
}
