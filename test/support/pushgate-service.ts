import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runService, type ServiceMode } from '../../src/cli/run-service.js';
import type { PushgateConfig } from '../../src/config/types.js';
import { freePort } from './ports.js';
import { waitFor } from './wait-for.js';
import { startRedis, type RedisServer } from './redis.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { tempDir } from './temp-dir.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_POLICIES = join(REPO_ROOT, 'policies');

export interface ServiceConfigOptions {
  dir: string;
  /** Left out with `redis` naming sentinels instead. */
  redisUrl?: string;
  /** Fields merged into the `redis` section (sentinels, sentinelName). */
  redis?: Record<string, unknown>;
  /** The registry pushgate reads from and acts on (`name: local`). */
  registryUrl: string;
  port?: number;
  /** The token the registry's notifications carry; generated when absent. */
  webhookToken?: string;
  /** Share another config's queues and store (a second worker with other limits). */
  prefix?: string;
  /** Partial sections merged over the test defaults. */
  enforcement?: Record<string, unknown>;
  workers?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export interface ServiceConfigFile {
  path: string;
  port: number;
  prefix: string;
  apiToken: string;
  webhookToken: string;
  /** Where the registry's notifications go. */
  hookUrl: string;
  /** Header the registry sends with every notification. */
  hookHeaders: Record<string, string[]>;
}

/**
 * A config file for one test: its own Redis key prefix (so tests share a Redis without seeing each
 * other's queues), the default policies, a pass tag, short lock and stall intervals so recovery
 * tests do not wait half a minute.
 */
export async function writeServiceConfig(options: ServiceConfigOptions): Promise<ServiceConfigFile> {
  const port = options.port ?? (await freePort());
  const prefix = options.prefix ?? `pgt-${randomBytes(4).toString('hex')}`;
  const apiToken = `api-${randomBytes(12).toString('hex')}`;
  const webhookToken = options.webhookToken ?? newWebhookToken();
  const document = {
    server: { host: '127.0.0.1', port, apiTokens: [apiToken] },
    redis: { ...(options.redisUrl ? { url: options.redisUrl } : {}), prefix, ...options.redis },
    registries: [{ name: 'local', url: options.registryUrl }],
    webhooks: [
      {
        name: 'distribution',
        adapter: 'distribution',
        registry: 'local',
        auth: { type: 'bearer', token: webhookToken },
      },
    ],
    policies: { paths: [DEFAULT_POLICIES] },
    enforcement: { passTag: '{{tag}}-verified', ...options.enforcement },
    workers: { lockDurationMs: 4000, stalledIntervalMs: 2000, backoffMs: 300, ...options.workers },
    secrets: { fingerprintKey: 'pushgate-test-fingerprint-key' },
    log: { level: 'warn' },
    ...options.extra,
  };
  const path = join(options.dir, `pushgate-${prefix}-${randomBytes(3).toString('hex')}.yaml`);
  await writeFile(path, stringify(document));
  return {
    path,
    port,
    prefix,
    apiToken,
    webhookToken,
    hookUrl: `http://127.0.0.1:${port}/hooks/distribution`,
    hookHeaders: { Authorization: [`Bearer ${webhookToken}`] },
  };
}

export function newWebhookToken(): string {
  return `hook-${randomBytes(12).toString('hex')}`;
}

export interface InProcessService {
  url: string;
  config: PushgateConfig;
  stop(): Promise<number>;
}

/** Runs `pushgate <mode>` in this process through the same code path as the CLI. */
export async function startInProcess(mode: ServiceMode, configPath: string): Promise<InProcessService> {
  let stop!: () => void;
  const stopSignal = new Promise<string>((resolve) => (stop = () => resolve('test')));
  let ready!: (value: { url: string; config: PushgateConfig }) => void;
  const readyPromise = new Promise<{ url: string; config: PushgateConfig }>((resolve) => (ready = resolve));
  const exit = runService(
    mode,
    { config: configPath, stopSignal, onReady: (r) => ready({ url: r.server?.url ?? '', config: r.config }) },
    { env: { ...process.env, PUSHGATE_CONFIG: undefined }, stdout: process.stdout, stderr: process.stderr },
  );
  const started = await Promise.race([
    readyPromise,
    exit.then((code) =>
      Promise.reject(new Error(`pushgate ${mode} exited with ${code} before it was ready`)),
    ),
  ]);
  return {
    url: started.url,
    config: started.config,
    async stop() {
      stop();
      return exit;
    },
  };
}

export interface ChildService {
  child: ChildProcess;
  output(): string;
  /** SIGKILL to the whole process group: the worker and its sandboxed children die at once. */
  kill(): Promise<void>;
  /** SIGKILL to the parent only, as when the OOM killer picks it: its children must notice. */
  killParent(): Promise<void>;
  /** Pids of the parent's direct children (the sandboxed processors). */
  childPids(): number[];
  /** SIGTERM and wait for the exit code. */
  terminate(): Promise<number | null>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Runs `bin/pushgate.js <mode> --config FILE` as a separate process (its own process group). */
export function spawnService(
  mode: ServiceMode,
  configPath: string,
  env: NodeJS.ProcessEnv = {},
): ChildService {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'pushgate.js'), mode, '--config', configPath],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, PUSHGATE_CONFIG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let log = '';
  const append = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-256 * 1024);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  process.once('exit', () => killGroup('SIGKILL'));
  return {
    child,
    output: () => log,
    async kill() {
      killGroup('SIGKILL');
      await exited;
    },
    async killParent() {
      child.kill('SIGKILL');
      await exited;
    },
    childPids() {
      try {
        const out = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' });
        return out.split('\n').filter(Boolean).map(Number);
      } catch {
        return []; // pgrep exits 1 when there is none
      }
    },
    async terminate() {
      killGroup('SIGTERM');
      return exited;
    },
    exited,
  };
}

/** Polls the API until the image has a verdict (and, optionally, `until` holds for it). */
export async function waitForRecord(
  url: string,
  apiToken: string,
  digest: string,
  until: (record: Record<string, unknown>) => boolean = () => true,
  timeoutMs = 60_000,
  /** The repository, when the same digest may have records in several. */
  repository?: string,
): Promise<Record<string, unknown>> {
  const query = repository ? `?repository=${encodeURIComponent(repository)}` : '';
  let last: Record<string, unknown> | undefined;
  await waitFor(
    `a verdict for ${digest}`,
    async () => {
      const response = await fetch(`${url}/api/v1/images/${digest}${query}`, {
        headers: { authorization: `Bearer ${apiToken}` },
      });
      if (response.status === 409) {
        // AMBIGUOUS_DIGEST: polling cannot end; the caller must name the repository.
        throw new Error(
          `${digest} is in several repositories; pass one to waitForRecord: ${await response.text()}`,
        );
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return false;
      }
      last = (await response.json()) as Record<string, unknown>;
      return until(last);
    },
    timeoutMs,
  );
  return last!;
}

export interface PushStack {
  dir: string;
  redis: RedisServer;
  registry: TestRegistry;
  /** The config file: pushgate on `cfg.port`, reading the registry, which notifies it. */
  cfg: ServiceConfigFile;
  stop(): Promise<void>;
}

/**
 * The pieces every end-to-end run needs: a Redis, a CNCF registry whose notifications go to
 * pushgate's (not yet started) webhook, and the config file pushgate is to start with.
 */
export async function startPushStack(
  options: Omit<ServiceConfigOptions, 'dir' | 'redisUrl' | 'registryUrl' | 'port' | 'webhookToken'> = {},
): Promise<PushStack> {
  const dir = await tempDir('pushgate-stack-');
  const port = await freePort();
  const webhookToken = newWebhookToken();
  const redis = await startRedis();
  const registry = await startRegistry({
    notifications: [
      {
        name: 'pushgate',
        url: `http://127.0.0.1:${port}/hooks/distribution`,
        headers: { Authorization: [`Bearer ${webhookToken}`] },
      },
    ],
  });
  const cfg = await writeServiceConfig({
    ...options,
    dir: dir.path,
    redisUrl: redis.url,
    registryUrl: registry.url,
    port,
    webhookToken,
  });
  return {
    dir: dir.path,
    redis,
    registry,
    cfg,
    async stop() {
      await registry.stop();
      await redis.stop();
      await dir.remove();
    },
  };
}
