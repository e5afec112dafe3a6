import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { PushgateError } from '../errors.js';
import { isRecord } from '../is-record.js';
import { parseJsonPointer } from '../policy/yaml-positions.js';
import { checkConfig } from './check-config.js';
import {
  formatConfigProblem,
  isWithin,
  sourceOffset,
  toPointer,
  type ConfigProblem,
  type ProblemOrigins,
} from './config-problem.js';
import { deepFreeze } from './deep-freeze.js';
import { developmentDefaults } from './development-defaults.js';
import { applyEnvOverrides } from './env-overrides.js';
import { interpolateEnv } from './interpolate-env.js';
import type { PushgateConfig } from './types.js';
import { orderLikeSchema, validateConfigSchema } from './validate-config-schema.js';

/** `source` when no file was found. */
export const DEFAULTS_SOURCE = 'built-in development defaults';
/** Looked for in the working directory when neither a path nor PUSHGATE_CONFIG names a file. */
export const DEFAULT_CONFIG_FILE = 'pushgate.yaml';

export interface LoadConfigOptions {
  /** The file to read (`--config`); wins over PUSHGATE_CONFIG and ./pushgate.yaml. */
  path?: string;
  env: NodeJS.ProcessEnv;
  /** Where relative paths start; `process.cwd()` when absent. */
  cwd?: string;
  /** The development configuration's admin API token (`pushgate start`'s .pushgate/api-token). */
  developmentApiToken?: string;
}

export interface LoadedConfig {
  config: Readonly<PushgateConfig>;
  /** Accepted but worth a look (no auth on an endpoint, the development fingerprint key, …); never hold secrets. */
  warnings: string[];
  /** The absolute path of the file read, or DEFAULTS_SOURCE. */
  source: string;
}

interface BuildInput {
  env: NodeJS.ProcessEnv;
  cwd: string;
  source: string;
  /** Relative policy paths written in the document start here. */
  baseDir: string;
  origins: Omit<ProblemOrigins, 'envOrigins'>;
  warnings: string[];
  interpolate: boolean;
  noneAuthWarned?: boolean;
}

function invalid(source: string, lines: string[]): PushgateError {
  const count = `${lines.length} ${lines.length === 1 ? 'problem' : 'problems'}`;
  return new PushgateError(
    'CONFIG_INVALID',
    `configuration ${source} is invalid (${count}):\n${lines.map((line) => `  ${line}`).join('\n')}`,
    { details: { source, problems: lines } },
  );
}

/** Keeps the first problem reported at a path: later stages would only restate it. */
function addProblems(into: ConfigProblem[], found: ConfigProblem[], reported: ConfigProblem[]): void {
  for (const problem of found) {
    if (reported.some((earlier) => toPointer(earlier.path) === toPointer(problem.path))) continue;
    into.push(problem);
  }
}

/** Problems in the order their lines appear in the file (stable; those not in the file last). */
function inSourceOrder(problems: ConfigProblem[], origins: ProblemOrigins): ConfigProblem[] {
  const offset = (p: ConfigProblem): number =>
    origins.envOrigins.has(toPointer(p.path)) ? Infinity : (sourceOffset(p.path, origins) ?? Infinity);
  return problems
    .map((problem, index) => ({ problem, index, at: offset(problem) }))
    .sort((a, b) => (a.at === b.at ? a.index - b.index : a.at < b.at ? -1 : 1))
    .map((entry) => entry.problem);
}

function build(document: unknown, input: BuildInput): LoadedConfig {
  const interpolation = input.interpolate
    ? interpolateEnv(document, input.env)
    : { value: document, interpolated: new Set<string>(), problems: [] };
  const raw = interpolation.value ?? {};
  if (!isRecord(raw)) {
    throw invalid(input.source, [
      '(root): must be a mapping of sections (server, redis, registries, webhooks, …)',
    ]);
  }
  const overrides = applyEnvOverrides(raw, input.env);
  const origins: ProblemOrigins = { ...input.origins, envOrigins: overrides.origins };

  const problems: ConfigProblem[] = [];
  // An environment override replaces the file's value, and with it any problem interpolating it.
  const overridden = [...overrides.origins.keys()].map(parseJsonPointer);
  const fromFile = interpolation.problems.filter((p) => !overridden.some((path) => isWithin(p.path, path)));
  addProblems(problems, [...fromFile, ...overrides.problems], []);
  const early = [...problems];
  addProblems(problems, validateConfigSchema(raw, interpolation.interpolated), early);
  const checked = checkConfig(raw, { noneAuthWarned: input.noneAuthWarned });
  addProblems(problems, checked.problems, [...problems]);
  if (problems.length > 0)
    throw invalid(
      input.source,
      inSourceOrder(problems, origins).map((p) => formatConfigProblem(p, origins)),
    );

  const policies = raw.policies as { paths: string[] };
  const policyBase = overrides.origins.has('/policies/paths') ? input.cwd : input.baseDir;
  policies.paths = policies.paths.map((path) => resolve(policyBase, path));

  return {
    config: deepFreeze(orderLikeSchema(raw) as unknown as PushgateConfig),
    warnings: [
      ...input.warnings,
      ...inSourceOrder(checked.warnings, origins).map((w) => formatConfigProblem(w, origins)),
    ],
    source: input.source,
  };
}

function yamlPosition(lineCounter: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return '1:1';
  const { line, col } = lineCounter.linePos(offset);
  return `${line}:${col}`;
}

/** The parser's message, one line and bounded: never the source excerpt, which could hold a secret. */
function yamlMessage(message: string): string {
  const first = message.split('\n', 1)[0];
  return first.length > 200 ? `${first.slice(0, 200)}…` : first;
}

/**
 * Builds the configuration from YAML text, as `loadConfig` does for a file: `source` names it in
 * messages and relative policy paths start at `baseDir` (the working directory by default).
 */
export function loadConfigText(
  text: string,
  options: { env: NodeJS.ProcessEnv; cwd?: string; source?: string; baseDir?: string },
): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const source = options.source ?? '<text>';
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const name = basename(source);
  if (doc.errors.length > 0) {
    throw invalid(
      source,
      doc.errors.map(
        (err) =>
          `${name}:${yamlPosition(lineCounter, err.pos[0])}: YAML syntax error: ${yamlMessage(err.message)}`,
      ),
    );
  }
  const warnings = doc.warnings.map(
    (w) => `${name}:${yamlPosition(lineCounter, w.pos[0])}: YAML: ${yamlMessage(w.message)}`,
  );
  let document: unknown;
  try {
    document = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw invalid(source, [`${name}: YAML cannot be read: ${yamlMessage((err as Error).message)}`]);
  }
  return build(document, {
    env: options.env,
    cwd,
    source,
    baseDir: options.baseDir ?? cwd,
    origins: { file: source, doc, lineCounter },
    warnings,
    interpolate: true,
  });
}

/** The file `loadConfig` would read, or undefined when it would use the development defaults. */
export function configFilePath(options: LoadConfigOptions): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  const named = options.path ?? (options.env.PUSHGATE_CONFIG || undefined);
  if (named !== undefined) return resolve(cwd, named);
  const local = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(local) ? local : undefined;
}

/**
 * Reads the configuration every process works from: `options.path`, else PUSHGATE_CONFIG, else
 * ./pushgate.yaml when it exists, else the built-in development defaults. `${VAR}` is interpolated,
 * environment overrides (ENV_OVERRIDES) applied, the result validated against config.schema.json
 * with defaults filled in, checked, and deep-frozen. Every problem is reported at once as one
 * CONFIG_INVALID error whose `details.problems` lists them; no message holds a secret.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = configFilePath(options);
  if (file === undefined) {
    const defaults = developmentDefaults(
      options.env,
      options.developmentApiToken !== undefined ? { apiToken: options.developmentApiToken } : {},
    );
    const token = options.env.PUSHGATE_WEBHOOK_TOKEN;
    return build(defaults.document, {
      env: options.env,
      cwd,
      source: DEFAULTS_SOURCE,
      baseDir: cwd,
      origins: {},
      warnings: defaults.warnings,
      interpolate: false,
      noneAuthWarned: token === undefined || token === '',
    });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new PushgateError('CONFIG_INVALID', `cannot read configuration file ${file}: ${reason}`, {
      cause: err,
      details: { source: file, problems: [`cannot read the file: ${reason}`] },
    });
  }
  return loadConfigText(text, { env: options.env, cwd, source: file, baseDir: dirname(file) });
}
