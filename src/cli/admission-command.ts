import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { isPushgateError, PushgateError } from '../errors.js';
import { escapeJson, escapeText } from '../escape-text.js';
import { AuditLog } from '../store/audit-log.js';
import {
  breakGlassProblems,
  namespaceProblem,
  BreakGlassStore,
  type BreakGlassExemption,
} from '../store/break-glass.js';
import { redisTarget } from '../store/redis-target.js';
import type { CliEnvironment } from './cli-environment.js';
import { ExitCode } from './exit-codes.js';
import { parseDuration } from './scan-limits.js';

const CONFIG_FLAG = '-c, --config <file>';
const CONFIG_HELP =
  'configuration file (default: $PUSHGATE_CONFIG, else ./pushgate.yaml, else built-in defaults)';
const BY_HELP = 'who is doing it, for the audit log (default: $USER, else the login name)';

/** The operator, for the audit log: `--by`, else the login the shell says, else the OS's. */
function operator(by: string | undefined, env: NodeJS.ProcessEnv): string {
  const named = by ?? (env.USER || env.LOGNAME || undefined);
  if (named !== undefined) return named;
  try {
    return userInfo().username;
  } catch {
    // A container's uid may have no passwd entry.
    throw new PushgateError('USAGE', 'cannot tell who you are: say it with --by NAME');
  }
}

/**
 * Runs `work` against the break-glass store of the configured Redis (the configuration `serve`
 * would load), and always lets the connection go: a CLI command must end even when Redis is down.
 */
async function withStore<T>(
  configPath: string | undefined,
  io: CliEnvironment,
  work: (store: BreakGlassStore) => Promise<T>,
): Promise<T> {
  // The configuration and Redis client load here, not at the top: registering the commands must
  // stay cheap (see main.ts).
  const { loadConfig } = await import('../config/load-config.js');
  const { createRedis, describeRedisTarget } = await import('../store/redis-connection.js');
  const { config } = loadConfig({ ...(configPath ? { path: configPath } : {}), env: io.env });
  const target = redisTarget(config.redis);
  // One reconnect attempt per command: an operator in an incident wants an answer, not a wait.
  const redis = createRedis(target, { name: 'cli-admission', maxRetriesPerRequest: 1 });
  try {
    return await work(
      new BreakGlassStore(redis, config.redis.prefix, new AuditLog(redis, config.redis.prefix)),
    );
  } catch (err) {
    if (isPushgateError(err) && err.code === 'STORE_UNAVAILABLE') {
      throw new PushgateError(
        'STORE_UNAVAILABLE',
        `Redis at ${describeRedisTarget(target)}: ${err.message}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    redis.disconnect();
  }
}

function describe(exemption: BreakGlassExemption): string {
  return escapeText(
    `namespace ${exemption.namespace} is exempt from admission until ${exemption.until} ` +
      `(break-glass by ${exemption.by}: ${exemption.reason})`,
  );
}

function table(exemptions: readonly BreakGlassExemption[]): string {
  const rows = [
    ['NAMESPACE', 'UNTIL', 'BY', 'REASON'],
    ...exemptions.map((e) => [e.namespace, e.until, e.by, e.reason].map((cell) => escapeText(cell))),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]) : cell)).join('  '))
    .map((line) => `${line.trimEnd()}\n`)
    .join('');
}

/**
 * `pushgate admission exempt|exemptions|revoke`: break-glass exemptions, for when pushgate is up
 * but wrongly denying. They talk to Redis directly (no API token needed, only the configuration
 * `serve` uses), and every grant and revocation lands in the audit stream.
 */
export function registerAdmissionCommands(
  program: Command,
  io: CliEnvironment,
  setExit: (code: number) => void,
): Command {
  const admission = program
    .command('admission')
    .description('Kubernetes admission: break-glass exemptions of a namespace');

  admission
    .command('exempt')
    .description('Allow every pod of NAMESPACE for a while (at most 24h), with a warning on each; audited')
    .argument('<namespace>', 'the Kubernetes namespace')
    .requiredOption('--for <duration>', 'how long: 30m, 2h, 1h30m (at most 24h)')
    .option('--reason <text>', 'why (required: shown on every exempted pod and kept in the audit log)')
    .option('--by <name>', BY_HELP)
    .option(CONFIG_FLAG, CONFIG_HELP)
    .action(
      async (namespace: string, options: { for: string; reason?: string; by?: string; config?: string }) => {
        const durationMs = parseDuration(options.for, '--for');
        if (options.reason === undefined || options.reason.trim() === '') {
          throw new PushgateError(
            'USAGE',
            'a reason is required (--reason TEXT): it is shown on every exempted pod and kept in the audit log',
          );
        }
        const grant = { namespace, durationMs, reason: options.reason, by: operator(options.by, io.env) };
        const problems = breakGlassProblems(grant);
        if (problems.length > 0) throw new PushgateError('USAGE', problems.join('; '));
        const exemption = await withStore(options.config, io, (store) => store.grant(grant));
        io.stdout.write(
          `${describe(exemption)}\nrevoke it with: pushgate admission revoke ${exemption.namespace}\n`,
        );
        setExit(ExitCode.OK);
      },
    );

  admission
    .command('exemptions')
    .description('List the break-glass exemptions in force')
    .option('--json', 'print them as a JSON array')
    .option(CONFIG_FLAG, CONFIG_HELP)
    .action(async (options: { json?: boolean; config?: string }) => {
      const exemptions = await withStore(options.config, io, (store) => store.list());
      if (options.json) io.stdout.write(`${escapeJson(JSON.stringify(exemptions, null, 2))}\n`);
      else if (exemptions.length === 0) io.stdout.write('no break-glass exemptions in force\n');
      else io.stdout.write(table(exemptions));
      setExit(ExitCode.OK);
    });

  admission
    .command('revoke')
    .description("End NAMESPACE's break-glass exemption now (every serve process within 5 s); audited")
    .argument('<namespace>', 'the Kubernetes namespace')
    .option('--by <name>', BY_HELP)
    .option(CONFIG_FLAG, CONFIG_HELP)
    .action(async (namespace: string, options: { by?: string; config?: string }) => {
      const problem = namespaceProblem(namespace);
      if (problem) throw new PushgateError('USAGE', problem);
      const by = operator(options.by, io.env);
      const revoked = await withStore(options.config, io, (store) => store.revoke(namespace, by));
      if (!revoked) {
        throw new PushgateError('NOT_FOUND', `namespace ${namespace} has no break-glass exemption in force`);
      }
      io.stdout.write(
        `${escapeText(`revoked the break-glass exemption of namespace ${namespace} (granted by ${revoked.by} until ${revoked.until})`)}\n`,
      );
      setExit(ExitCode.OK);
    });

  return admission;
}
