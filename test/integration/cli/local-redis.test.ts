import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalRedis, type LocalRedis } from '../../../src/cli/local-redis.js';
import { spawnDevelopmentService } from '../../support/development-service.js';
import { freePort } from '../../support/ports.js';
import { redisCommand } from '../../support/redis.js';
import { runModuleScript } from '../../support/run-module-script.js';
import { waitFor } from '../../support/wait-for.js';
import { tempDir } from '../../support/temp-dir.js';

/** The quick start's Redis (`pushgate start` without REDIS_URL). */
describe('startLocalRedis', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(cwd: string): Promise<LocalRedis> {
    const redis = await startLocalRedis({ cwd });
    cleanup.push(() => redis.stop());
    return redis;
  }

  it('serves on 127.0.0.1 with its append-only file under ./.pushgate/redis, and refuses a second server there', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    const redis = await start(dir.path);
    const port = Number(new URL(redis.url).port);
    expect(await redisCommand(port, 'PING')).toBe('+PONG');
    expect(redis.dir).toBe(join(dir.path, '.pushgate', 'redis'));
    await expect(startLocalRedis({ cwd: dir.path })).rejects.toThrow(
      /already uses .*another `pushgate start`/,
    );

    await redisCommand(port, 'SET kept-over-restarts 1');
    await redis.stop();
    expect(existsSync(join(redis.dir, 'appendonlydir'))).toBe(true);
    const again = await start(dir.path);
    expect(await redisCommand(Number(new URL(again.url).port), 'GET kept-over-restarts')).toBe('$1');
  });

  it("runs in a process group of its own: a terminal's Ctrl-C reaches pushgate, which stops it after its jobs", async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    const redis = await start(dir.path);
    const group = (pid: number): string =>
      spawnSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
    expect(group(redis.pid)).toBe(String(redis.pid));
    expect(group(redis.pid)).not.toBe(group(process.pid));
  });

  it('is stopped when its process exits without stopping it (a second Ctrl-C), even without a parent-death signal', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    const run = runModuleScript(
      'src/cli/local-redis.ts',
      ['startLocalRedis'],
      [
        `const redis = await startLocalRedis({ cwd: ${JSON.stringify(dir.path)}, dieWithParent: false });`,
        'console.log(redis.pid);',
        'process.exit(130);',
      ],
    );
    expect(run.status, run.stderr).toBe(130);
    const pid = Number(run.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    await waitFor(`redis-server ${pid} to stop with its process`, async () => !alive(pid), 15_000);
  });

  it('reports a redis-server that dies after starting', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    const redis = await start(dir.path);
    process.kill(redis.pid, 'SIGKILL');
    await expect(redis.died).resolves.toBe('signal SIGKILL');
  });

  it('says in one line how to get Redis when redis-server is missing', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    await expect(startLocalRedis({ cwd: dir.path, binary: '/nonexistent/redis-server' })).rejects.toThrow(
      /apt-get install redis-server.*REDIS_URL/,
    );
  });

  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  it('shuts down an orphan whose `pushgate start` is gone, keeps its data, and starts afresh', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    // What a SIGKILLed start leaves where the kernel cannot help: its redis-server, still running
    // on .pushgate/redis, and the record naming a pushgate pid that no longer exists.
    const dataDir = join(dir.path, '.pushgate', 'redis');
    await mkdir(dataDir, { recursive: true });
    const port = await freePort();
    const orphan = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--save', ''],
      { stdio: 'ignore', detached: true },
    );
    cleanup.push(async () => void (orphan.exitCode === null && orphan.kill('SIGKILL')));
    const orphanExited = new Promise((resolve) => orphan.once('exit', resolve));
    const deadOwner = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const ownerPid = Number(deadOwner.stdout.trim());
    expect(alive(ownerPid)).toBe(false);
    await writeFile(join(dataDir, 'redis.pid'), `${orphan.pid}\n`);
    await writeFile(
      join(dir.path, '.pushgate', 'redis.owner'),
      JSON.stringify({ owner: ownerPid, redis: orphan.pid, port }),
    );
    await waitFor('the orphan to answer', async () => (await redisCommand(port, 'PING')) === '+PONG');
    await redisCommand(port, 'SET written-before-the-crash 1');

    const redis = await start(dir.path);
    await orphanExited;
    expect(orphan.exitCode).toBe(0); // SHUTDOWN, not a kill
    expect(await redisCommand(Number(new URL(redis.url).port), 'GET written-before-the-crash')).toBe('$1');
    expect(JSON.parse(await readFile(join(dir.path, '.pushgate', 'redis.owner'), 'utf8'))).toEqual({
      owner: process.pid,
      redis: redis.pid,
      port: Number(new URL(redis.url).port),
    });
  });

  it('a SIGKILLed `pushgate start` takes its redis-server with it, and the next start succeeds', async () => {
    const dir = await tempDir('pushgate-local-redis-');
    cleanup.push(() => dir.remove());
    const first = spawnDevelopmentService('start', dir.path);
    cleanup.push(async () => void (await first.terminate()));
    await first.ready();
    const started = first.lines().find((line) => line.msg === 'started a local redis-server (AOF on)');
    expect(started).toMatchObject({ diesWithParent: true });
    const redisPid = Number(started?.pid);
    expect(alive(redisPid)).toBe(true);

    await first.kill();
    await waitFor(`redis-server ${redisPid} to stop with its parent`, async () => !alive(redisPid), 15_000);

    const second = spawnDevelopmentService('start', dir.path);
    cleanup.push(async () => void (await second.terminate()));
    await second.ready();
    const code = await second.terminate();
    expect({ code, output: second.output() }).toMatchObject({ code: 0 });
  });
});
