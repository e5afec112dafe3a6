import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { PushgateError } from '../errors.js';

export interface LocalRedis {
  url: string;
  dir: string;
  pid: number;
  /** Settles when redis-server exits without `stop()` being called (it crashed or was killed). */
  died: Promise<string>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'no REDIS_URL and no redis-server binary: install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL=redis://host:6379';

/** The pid in the file when that process is alive, else undefined (no file, or a stale one). */
async function runningPid(pidFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * The quick start's Redis: a `redis-server` child bound to 127.0.0.1 on a free port, with its data
 * (append-only file on) under `<cwd>/.pushgate/redis`, so queued jobs and verdicts survive a restart.
 */
export async function startLocalRedis(options: { cwd: string; binary?: string }): Promise<LocalRedis> {
  const dir = join(options.cwd, '.pushgate', 'redis');
  await mkdir(dir, { recursive: true });
  // Two servers on one append-only file would corrupt it: refuse while another one runs here.
  const pidFile = join(dir, 'redis.pid');
  const running = await runningPid(pidFile);
  if (running !== undefined) {
    throw new PushgateError(
      'CONFIG_INVALID',
      `a redis-server (pid ${running}) already uses ${dir}: is another \`pushgate start\` running in this directory? Stop it, or set REDIS_URL to share its Redis`,
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    options.binary ?? 'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const failed = new Promise<never>((_resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new PushgateError('CONFIG_INVALID', INSTALL_HINT)
          : new PushgateError('CONFIG_INVALID', `cannot start redis-server: ${error.message}`),
      ),
    );
    child.once('exit', (code) =>
      reject(
        new PushgateError(
          'CONFIG_INVALID',
          `redis-server exited with code ${code} while starting (data dir ${dir})`,
        ),
      ),
    );
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ready = await Promise.race([answersPing(port), failed]);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new PushgateError(
        'CONFIG_INVALID',
        `redis-server did not answer on 127.0.0.1:${port} within 10 s`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
  // redis-server writes no pid file when it runs in the foreground: keep our own.
  await writeFile(pidFile, `${child.pid}\n`);
  let stopping = false;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
  );
  child.on('error', () => undefined); // an exit follows; it is what callers watch
  return {
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: child.pid ?? 0,
    died: exited.then((how) => (stopping ? new Promise<string>(() => undefined) : how)),
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) {
        await rm(pidFile, { force: true });
        return;
      }
      child.kill('SIGTERM'); // redis-server fsyncs the AOF on SIGTERM
      await exited;
      await rm(pidFile, { force: true });
    },
  };
}
