import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DEVELOPMENT_API_TOKEN_FILE } from '../../src/cli/development-api-token.js';
import { usesDevelopmentApiToken, type ServiceMode } from '../../src/cli/run-service.js';
import { DEFAULT_POLICIES, REPO_ROOT } from './pushgate-service.js';
import { waitFor } from './wait-for.js';

export interface DevelopmentService {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far (other lines skipped). */
  lines(): Array<Record<string, unknown>>;
  /**
   * Waits for the "serving" line (and, for `start`, the workers; with no API tokens set, the
   * development token's line, which follows it) and returns it: nothing the start-up logs comes later.
   */
  ready(timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to this process only (its children are not signalled), as the OOM killer does. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  terminate(): Promise<number | null>;
}

/**
 * `bin/pushgate.js <mode>` with no configuration file (the development defaults, the quick start)
 * in `cwd`, on a free port, with the repository's policies: what a new user's `npm start` runs.
 */
export function spawnDevelopmentService(
  mode: ServiceMode,
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): DevelopmentService {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PUSHGATE_CONFIG: '',
    REDIS_URL: '',
    PUSHGATE_API_TOKENS: '',
    PUSHGATE_HOST: '',
    PUSHGATE_PORT: '0',
    PUSHGATE_POLICIES: DEFAULT_POLICIES,
    PUSHGATE_LOG_LEVEL: 'info',
    ...env,
  };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'pushgate.js'), mode], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Where run-service makes a development token, it logs where after the server listens (the line
  // names its URL).
  const logsDevelopmentToken = usesDevelopmentApiToken(mode, { env: childEnv, cwd });
  let log = '';
  const append = (chunk: Buffer): void => {
    log += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  process.once('exit', () => child.kill('SIGKILL'));
  const lines = (): Array<Record<string, unknown>> =>
    log
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    child,
    output: () => log,
    lines,
    async ready(timeoutMs = 60_000) {
      let found: Record<string, unknown> | undefined;
      await waitFor(
        `pushgate ${mode} to serve`,
        async () => {
          if (gone) throw new Error(`pushgate ${mode} exited:\n${log}`);
          const all = lines();
          found = all.find((line) => typeof line.listening === 'string');
          // `start` takes signals once its workers run too.
          return (
            found !== undefined &&
            (mode !== 'start' || all.some((l) => l.msg === 'workers started')) &&
            (!logsDevelopmentToken || all.some((l) => l.file === DEVELOPMENT_API_TOKEN_FILE))
          );
        },
        timeoutMs,
      );
      return found!;
    },
    exited,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async terminate() {
      child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}
