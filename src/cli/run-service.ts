import { configFilePath, loadConfig, type LoadConfigOptions } from '../config/load-config.js';
import type { PushgateConfig } from '../config/types.js';
import { createLogger, errorFields } from '../logger.js';
import { loadPolicySet } from '../pipeline/load-policy-set.js';
import { RegistryClients } from '../pipeline/registry-clients.js';
import { startServer, type AdmissionDeciderFactory, type RunningServer } from '../server/start-server.js';
import { startWorkers, type RunningWorkers } from '../../workers/start-workers.js';
import { ExitCode } from './exit-codes.js';
import { startLocalRedis, type LocalRedis } from './local-redis.js';
import { hasRedisTarget } from '../store/redis-target.js';
import {
  DEVELOPMENT_API_TOKEN_FILE,
  developmentApiToken,
  type DevelopmentApiToken,
} from './development-api-token.js';
import type { CliEnvironment } from './cli-environment.js';

export type ServiceMode = 'serve' | 'worker' | 'start';

/**
 * Whether a service started so uses the development API token: it serves the API (not `worker`),
 * with no configuration file and no PUSHGATE_API_TOKENS (with either, the API's tokens come from there).
 */
export function usesDevelopmentApiToken(mode: ServiceMode, where: LoadConfigOptions): boolean {
  return mode !== 'worker' && configFilePath(where) === undefined && !where.env.PUSHGATE_API_TOKENS;
}

export interface ServiceOptions {
  config?: string;
  /** Where ./pushgate.yaml, ./policies and ./.pushgate are looked for; `process.cwd()` by default. */
  cwd?: string;
  /** Resolves when the service should stop (SIGTERM/SIGINT by default). */
  stopSignal?: Promise<unknown>;
  /** Called once everything listens (tests use it to learn the URL). */
  onReady?: (running: { server?: RunningServer; workers?: RunningWorkers; config: PushgateConfig }) => void;
  /** Builds the admission decider when `admission.enabled`; without one, serving refuses to start. */
  admissionDecider?: AdmissionDeciderFactory;
}

/** Exit codes of a death by SIGINT or SIGTERM, as a shell reports them. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** A second signal this soon after the first is the first one again, passed on by npm. */
const REPEAT_WINDOW_MS = 1000;

/**
 * Resolves with the first SIGTERM or SIGINT. Installed before anything starts, so a signal during
 * startup (a supervisor stopping a pod that is still starting) is a clean shutdown once startup
 * ends, not Node's default (death by the signal, the local redis-server and open jobs left as they
 * were). A second signal, a second or more after the first, exits at once: its running jobs are
 * handed back as after a crash. Sooner it is the same Ctrl-C once more (npm passes its script the
 * terminal's SIGINT, which the script's process got already). That is done by the handler, not
 * left to the signal's default action, which does nothing to PID 1 in a container; after
 * `stopped()` (the service has stopped, yet the process lives on) any signal exits at once.
 */
function signalled(stderr: CliEnvironment['stderr']): { signal: Promise<string>; stopped(): void } {
  let firstAt: number | undefined;
  let done = false;
  let on!: (signal: string) => void;
  const signal = new Promise<string>((resolve) => {
    on = (name: string): void => {
      if (firstAt === undefined) {
        firstAt = Date.now();
        resolve(name);
        return;
      }
      if (!done && Date.now() - firstAt < REPEAT_WINDOW_MS) return;
      stderr.write(`pushgate: ${name} again while stopping: exiting now\n`);
      process.exit(SIGNAL_EXIT[name] ?? 1);
    };
  });
  process.on('SIGTERM', on);
  process.on('SIGINT', on);
  return { signal, stopped: () => (done = true) };
}

/**
 * `serve` (HTTP), `worker` (BullMQ workers) or `start` (both, plus a local redis-server when no
 * Redis is configured — the quick start). Runs until SIGTERM/SIGINT, then stops taking requests and
 * jobs, lets running jobs finish (or hands them back) and exits 0 — also for a signal that came
 * while it was starting (it stops once what was starting has started).
 */
export async function runService(
  mode: ServiceMode,
  options: ServiceOptions,
  io: CliEnvironment,
): Promise<number> {
  const signals = options.stopSignal ? undefined : signalled(io.stderr);
  try {
    return await runUntilStopped(mode, options, io, options.stopSignal ?? signals!.signal);
  } finally {
    signals?.stopped();
  }
}

async function runUntilStopped(
  mode: ServiceMode,
  options: ServiceOptions,
  io: CliEnvironment,
  stop: Promise<unknown>,
): Promise<number> {
  let stopping = false;
  void stop.then(() => (stopping = true));
  const cwd = options.cwd ?? process.cwd();
  const where = { ...(options.config ? { path: options.config } : {}), env: io.env, cwd };
  // The development configuration serves the API from the first start: with no token anywhere it
  // would answer 503 until the user found PUSHGATE_API_TOKENS.
  let devToken: DevelopmentApiToken | undefined;
  if (usesDevelopmentApiToken(mode, where)) devToken = await developmentApiToken(cwd);
  const loaded = await loadConfig({
    ...where,
    ...(devToken ? { developmentApiToken: devToken.token } : {}),
  });
  let config = loaded.config;
  let localRedis: LocalRedis | undefined;
  if (!hasRedisTarget(config.redis)) {
    if (mode !== 'start') {
      io.stderr.write(
        `pushgate: no Redis configured: set REDIS_URL=redis://host:6379 (or redis.url in the config, or redis.sentinels for Redis Sentinel); \`pushgate start\` starts a local redis-server\n`,
      );
      return ExitCode.USAGE;
    }
    localRedis = await startLocalRedis({ cwd });
    config = { ...config, redis: { ...config.redis, url: localRedis.url } };
  }
  // A registry entry pushgate could not talk to is a configuration error now, not at the first push.
  const clients = new RegistryClients(config.registries, config.limits);
  for (const registry of config.registries) clients.client(registry.name);
  await clients.close();
  // Decided once, here, for every process of the service (sandboxed workers get this config).
  if ((config.log.format ?? 'auto') === 'auto')
    config = { ...config, log: { ...config.log, format: io.stdout.isTTY === true ? 'pretty' : 'json' } };
  const logger = createLogger(config.log, { service: 'pushgate' });
  logger.info({ config: loaded.source, mode }, 'configuration loaded');
  for (const warning of loaded.warnings) logger.warn(warning);
  if (localRedis)
    logger.info(
      {
        url: localRedis.url,
        dir: localRedis.dir,
        pid: localRedis.pid,
        diesWithParent: localRedis.diesWithParent,
      },
      'started a local redis-server (AOF on)',
    );

  let server: RunningServer | undefined;
  let workers: RunningWorkers | undefined;
  let exitCode: number = ExitCode.OK;
  try {
    const policySet = await loadPolicySet(config.policies);
    if (mode !== 'worker')
      server = await startServer(config, logger.child({ component: 'server' }), {
        policySet,
        ...(options.admissionDecider ? { admissionDecider: options.admissionDecider } : {}),
        // The Downward API's namespace (the chart sets it): pushgate's own pods are never refused.
        ...(io.env.POD_NAMESPACE ? { ownNamespace: io.env.POD_NAMESPACE } : {}),
      });
    // Stopped while the server started: no workers to start only to stop them.
    if (mode !== 'serve' && !stopping)
      workers = await startWorkers(config, logger.child({ component: 'worker' }));
    if (devToken) {
      if (devToken.warning) logger.warn(devToken.warning);
      // The token is never printed: the file is the way to it.
      logger.info(
        { file: DEVELOPMENT_API_TOKEN_FILE, role: 'admin', created: devToken.created },
        `API token ${devToken.created ? 'generated in' : 'read from'} ${DEVELOPMENT_API_TOKEN_FILE} (role admin; ` +
          `PUSHGATE_API_TOKENS replaces it): curl -H "Authorization: Bearer $(cat ${DEVELOPMENT_API_TOKEN_FILE})" ` +
          `${server?.url ?? 'http://127.0.0.1:8080'}/api/v1/images`,
      );
    }
    options.onReady?.({ ...(server ? { server } : {}), ...(workers ? { workers } : {}), config });
    const redisDied = localRedis?.died.then((how) => ({ redisDied: how }));
    const reason = await Promise.race(redisDied ? [stop, redisDied] : [stop]);
    if (typeof reason === 'object' && reason !== null && 'redisDied' in reason) {
      logger.error({ how: reason.redisDied }, 'the local redis-server stopped: shutting down');
      exitCode = ExitCode.INTERNAL;
    } else {
      logger.info({ reason: String(reason) }, 'shutting down');
    }
  } catch (error) {
    logger.error(errorFields(error), 'pushgate stopped on an error');
    throw error;
  } finally {
    await server?.close().catch((e: unknown) => logger.warn(errorFields(e), 'closing the server'));
    await workers?.close().catch((e: unknown) => logger.warn(errorFields(e), 'closing the workers'));
    await localRedis?.stop();
  }
  return exitCode;
}
