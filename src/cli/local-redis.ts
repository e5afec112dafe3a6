import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { PushgateError } from '../errors.js';

export interface LocalRedis {
  url: string;
  dir: string;
  pid: number;
  /** True when the kernel stops it if this process dies (Linux, through setpriv --pdeathsig). */
  diesWithParent: boolean;
  /** Settles when redis-server exits without `stop()` being called (it crashed or was killed). */
  died: Promise<string>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'no REDIS_URL and no redis-server binary: install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL=redis://host:6379';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: a process we may not signal exists.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
  return isAlive(pid) ? pid : undefined;
}

/** Who started the redis-server on a data directory: `.pushgate/redis.owner`, beside it. */
interface OwnerRecord {
  /** The `pushgate start` process. */
  owner: number;
  redis: number;
  port: number;
}

async function readOwner(file: string): Promise<OwnerRecord | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    const { owner, redis, port } = (parsed ?? {}) as Record<string, unknown>;
    if ([owner, redis, port].every((n) => Number.isInteger(n) && (n as number) > 0))
      return { owner: owner as number, redis: redis as number, port: port as number };
  } catch {
    // no record, or a torn one: the caller refuses rather than guess
  }
  return undefined;
}

/** Sends inline commands on one connection and resolves with everything read until `done` says so. */
function redisExchange(port: number, command: string, done: (reply: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (): void => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(2000, finish);
    socket.once('error', finish);
    socket.once('close', finish);
    socket.once('connect', () => socket.write(command));
    socket.on('data', (data) => {
      reply += data.toString('utf8');
      if (done(reply)) finish();
    });
  });
}

/**
 * Stops the redis-server a killed `pushgate start` left running on our data directory: only when
 * the server on the recorded port says its directory is ours (a recycled pid or port is never
 * shut down), with SHUTDOWN, which fsyncs the append-only file like SIGTERM. False when it could
 * not be identified or did not stop within 10 s.
 */
async function shutDownOrphan(record: OwnerRecord, dir: string): Promise<boolean> {
  const real = await realpath(dir);
  const deadline = Date.now() + 10_000;
  let identified = false;
  // It may still be loading its append-only file (LOADING errors): give it a few seconds.
  while (!identified && Date.now() < deadline - 5000) {
    // *2 $3 dir $N <dir>: five lines, or one error line.
    const reply = await redisExchange(
      record.port,
      'CONFIG GET dir\r\n',
      (r) => r.startsWith('-') || r.split('\r\n').length > 5,
    );
    // redis-server reports the directory it chdir'ed to, symbolic links resolved.
    identified = [dir, real].some((name) => reply.endsWith(`\r\n${name}\r\n`));
    if (!identified) await new Promise((r) => setTimeout(r, 200));
  }
  if (!identified) return false;
  await redisExchange(record.port, 'SHUTDOWN\r\n', () => false);
  while (Date.now() < deadline) {
    if (!isAlive(record.redis)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

let pdeathsigSupport: boolean | undefined;

/**
 * Linux's parent-death signal through util-linux `setpriv --pdeathsig` (redis-server has no flag
 * of its own): the kernel sends SIGTERM to redis-server when the `pushgate start` that spawned it
 * dies, SIGKILL or OOM included, and redis-server shuts down cleanly on SIGTERM. Elsewhere (macOS,
 * no setpriv) an orphan lives on until the next start takes it over.
 */
function canSetParentDeathSignal(): boolean {
  if (pdeathsigSupport === undefined) {
    const probe = spawnSync('setpriv', ['--help'], { encoding: 'utf8', timeout: 5000 });
    pdeathsigSupport =
      process.platform === 'linux' && probe.status === 0 && probe.stdout.includes('--pdeathsig');
  }
  return pdeathsigSupport;
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
export async function startLocalRedis(options: {
  cwd: string;
  binary?: string;
  /** Ask the kernel to stop redis-server when this process dies (Linux, setpriv); default true. */
  dieWithParent?: boolean;
}): Promise<LocalRedis> {
  const dir = join(options.cwd, '.pushgate', 'redis');
  await mkdir(dir, { recursive: true });
  // Two servers on one append-only file would corrupt it: refuse while another one runs here,
  // unless the `pushgate start` that owned it is gone (killed): then its orphan is shut down.
  const pidFile = join(dir, 'redis.pid');
  const ownerFile = join(options.cwd, '.pushgate', 'redis.owner');
  const running = await runningPid(pidFile);
  if (running !== undefined) {
    const record = await readOwner(ownerFile);
    const orphan = record !== undefined && record.redis === running && !isAlive(record.owner);
    if (!orphan) {
      throw new PushgateError(
        'CONFIG_INVALID',
        `a redis-server (pid ${running}) already uses ${dir}` +
          (record?.redis === running ? ` for \`pushgate start\` pid ${record.owner}, which is running` : '') +
          ': is another `pushgate start` running in this directory? Stop it, or set REDIS_URL to share its Redis',
      );
    }
    if (!(await shutDownOrphan(record, dir))) {
      throw new PushgateError(
        'CONFIG_INVALID',
        `a redis-server (pid ${running}) left by a \`pushgate start\` that is gone (pid ${record.owner}) still uses ${dir} ` +
          `and did not stop on SHUTDOWN at 127.0.0.1:${record.port}: stop it (kill ${running}) and start again`,
      );
    }
  }
  const port = await freePort();
  const binary = options.binary ?? 'redis-server';
  const args = [
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
  ];
  const viaSetpriv = (options.dieWithParent ?? true) && canSetParentDeathSignal();
  // Through setpriv a missing redis-server is setpriv's exit code, not ENOENT: look first.
  if (viaSetpriv && spawnSync(binary, ['--version'], { stdio: 'ignore', timeout: 5000 }).error)
    throw new PushgateError('CONFIG_INVALID', INSTALL_HINT);
  // Its own process group: a terminal's Ctrl-C reaches pushgate, which stops its jobs and then this
  // server; in pushgate's group the server stopped at once, under jobs that still had to record.
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'ignore', 'pipe'], detached: true };
  const child: ChildProcess = viaSetpriv
    ? spawn('setpriv', ['--pdeathsig', 'TERM', binary, ...args], spawnOptions)
    : spawn(binary, args, spawnOptions);
  // Recorded at once, not once it answers: a start killed while redis-server loads must leave
  // enough behind for the next start to recognise the orphan. setpriv execs, so the pid is redis's.
  if (child.pid !== undefined) {
    await writeFile(pidFile, `${child.pid}\n`);
    await writeFile(ownerFile, `${JSON.stringify({ owner: process.pid, redis: child.pid, port })}\n`);
  }
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
  let stopping = false;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
  );
  child.on('error', () => undefined); // an exit follows; it is what callers watch
  // A pushgate that exits without stop() (a second Ctrl-C) still stops its server: in a process
  // group of its own, and without setpriv's parent-death signal, nothing else would.
  const stopOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stopOnExit);
  return {
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: child.pid ?? 0,
    diesWithParent: viaSetpriv,
    died: exited.then((how) => (stopping ? new Promise<string>(() => undefined) : how)),
    async stop() {
      stopping = true;
      process.off('exit', stopOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // redis-server fsyncs the AOF on SIGTERM
        await exited;
      }
      await rm(pidFile, { force: true });
      await rm(ownerFile, { force: true });
    },
  };
}
