import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';

import Dockerode from 'dockerode';

const run = promisify(execFile);

export type StorageDriver = 'overlay2' | 'vfs';

export interface Dockerd {
  socketPath: string;
  docker: Dockerode;
  dataRoot: string;
  storageDriver: StorageDriver;
  /** Milliseconds from spawn to the first successful `/_ping`. */
  startupMs: number;
  /** Runs the `docker` CLI against this engine; rejects with stderr on failure. */
  cli(args: string[], options?: { cwd?: string }): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

async function findBinary(name: string): Promise<string> {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin']) {
    const path = join(dir, name);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // try the next directory
    }
  }
  throw new Error(`${name} not found; install it (Debian: apt-get install docker.io)`);
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** Errors first (dockerd's info-level gRPC chatter buries them), then the last lines. */
function logTail(file: string, lines = 15): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    const errors = all.filter((l) => /level=(error|fatal)|^failed|^Error/i.test(l)).slice(-10);
    const tail = all.slice(-lines).filter((l) => !errors.includes(l));
    return [...errors, ...(errors.length ? ['…'] : []), ...tail].join('\n');
  } catch {
    return '(no log)';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Mount points at or under `dir`, deepest first (dockerd bind-mounts its data root; overlay2 mounts layers). */
async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((mount): mount is string => !!mount && (mount === dir || mount.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

async function removeTree(dir: string): Promise<void> {
  for (const mount of await mountsUnder(dir)) {
    await run('umount', ['-l', mount]).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true });
}

interface Attempt {
  child: ChildProcess;
  logFile: string;
  startupMs: number;
}

async function spawnDockerd(binary: string, dir: string, driver: StorageDriver): Promise<Attempt> {
  const dataRoot = join(dir, 'data');
  const execRoot = join(dir, 'x');
  await mkdir(dataRoot, { recursive: true });
  await mkdir(execRoot, { recursive: true });
  // An empty config file keeps the host's /etc/docker/daemon.json out of the test engine.
  const configFile = join(dir, 'daemon.json');
  await writeFile(configFile, '{}\n');
  const logFile = join(dir, `dockerd-${driver}.log`);
  const log = openSync(logFile, 'a');
  const socketPath = join(dir, 'docker.sock');
  const started = Date.now();
  const child = spawn(
    binary,
    [
      `--storage-driver=${driver}`,
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--data-root',
      dataRoot,
      '--exec-root',
      execRoot,
      '--host',
      `unix://${socketPath}`,
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--config-file',
      configFile,
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', () => {
    exited = true;
  });
  const deadline = started + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline && !exited) {
    if (await ping(socketPath)) return { child, logFile, startupMs: Date.now() - started };
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!exited) {
    child.kill('SIGKILL');
    await waitExit(child, STOP_TIMEOUT_MS);
  }
  const what = exited
    ? `exited (${child.exitCode ?? child.signalCode}) before answering /_ping on ${socketPath}`
    : `did not answer /_ping on ${socketPath} within ${STARTUP_TIMEOUT_MS} ms`;
  throw new Error(`dockerd --storage-driver=${driver} ${what}; log tail:\n${logTail(logFile)}`);
}

/**
 * Starts a private Docker engine as root: its own data root, exec root (where dockerd also puts
 * the containerd it starts, so several engines never share a containerd socket) and unix socket;
 * no TCP, no iptables, no bridge. overlay2 first, vfs when overlay2 cannot start (or the
 * drivers given, tried in order). Each call starts its own engine, so test files running in
 * parallel never share state; startup takes well under a second.
 */
export async function startDockerd(options: { storageDrivers?: StorageDriver[] } = {}): Promise<Dockerd> {
  if (process.getuid?.() !== 0) throw new Error('startDockerd needs root (dockerd manages mounts)');
  const binary = await findBinary('dockerd');
  const cliBinary = await findBinary('docker');
  // Short path: the containerd socket under the exec root must fit the 108-byte unix socket limit.
  const dir = await mkdtemp('/tmp/pgd-');
  let attempt: Attempt | undefined;
  let storageDriver: StorageDriver | undefined;
  const failures: string[] = [];
  for (const driver of options.storageDrivers ?? (['overlay2', 'vfs'] as const)) {
    try {
      attempt = await spawnDockerd(binary, join(dir, driver), driver);
      storageDriver = driver;
      break;
    } catch (err) {
      failures.push((err as Error).message);
      await removeTree(join(dir, driver));
    }
  }
  if (!attempt || !storageDriver) {
    await removeTree(dir);
    throw new Error(`could not start dockerd:\n${failures.join('\n\n')}`);
  }
  const { child, startupMs } = attempt;
  const root = join(dir, storageDriver);
  const socketPath = join(root, 'docker.sock');
  console.info(`dockerd ready on ${socketPath} with storage driver ${storageDriver} in ${startupMs} ms`);

  // If the test process dies without afterAll, do not leave the engine behind.
  const onExit = (): void => {
    if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.removeListener('exit', onExit);
      child.kill('SIGTERM');
      if (!(await waitExit(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await waitExit(child, STOP_TIMEOUT_MS);
      }
      // The containerd dockerd started normally stops with it; make sure after a SIGKILL.
      try {
        const pid = Number((await readFile(join(root, 'x', 'containerd', 'containerd.pid'), 'utf8')).trim());
        if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
      } catch {
        // no pid file: containerd already cleaned up
      }
      await removeTree(dir);
    })();
    return stopped;
  };

  return {
    socketPath,
    docker: new Dockerode({ socketPath }),
    dataRoot: join(root, 'data'),
    storageDriver,
    startupMs,
    cli: async (args, options = {}) => {
      try {
        return await run(cliBinary, ['-H', `unix://${socketPath}`, ...args], {
          cwd: options.cwd,
          // The legacy builder needs no buildx plugin and no base image from a registry.
          env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(dir, 'cli-config') },
          maxBuffer: 64 * 1024 * 1024,
        });
      } catch (err) {
        const e = err as Error & { stderr?: string };
        throw new Error(`docker ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
      }
    },
    stop,
  };
}
