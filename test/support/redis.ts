import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './ports.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export interface RedisServer {
  url: string;
  port: number;
  dataDir: string;
  /**
   * Stops (SIGTERM: the AOF is flushed), runs `whileDown`, and starts again on the same port and
   * data directory.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** Sends one inline command and resolves with the first reply line. */
export async function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('redis did not answer within 2 s')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.split('\r\n')[0]);
      }
    });
    socket.write(`${command}\r\n`);
  });
}

/**
 * A private redis-server on a free port with its data in a temp dir (AOF on, so restart tests can
 * check durability). Fails with redis's own output when it cannot start.
 */
export async function startRedis(options: { appendOnly?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = await tempDir('pushgate-redis-');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir.path, '--save', ''];
  args.push('--appendonly', options.appendOnly === false ? 'no' : 'yes');
  let running: RunningRedis;
  try {
    running = await spawnRedis(port, args);
  } catch (err) {
    await dir.remove();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir: dir.path,
    async restart(whileDown) {
      await running.stop();
      try {
        await whileDown?.();
      } finally {
        running = await spawnRedis(port, args);
      }
    },
    async stop() {
      await running.stop();
      await dir.remove();
    },
  };
}

interface RunningRedis {
  stop(): Promise<void>;
}

/** One redis-server process; `stop` is SIGTERM, on which redis fsyncs its append-only file. */
async function spawnRedis(port: number, args: string[]): Promise<RunningRedis> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  try {
    await waitFor('redis-server to answer PING', async () => {
      if (spawnError)
        throw new Error(`cannot run redis-server (apt-get install redis-server): ${spawnError.message}`);
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output}`);
      return (await redisCommand(port, 'PING')) === '+PONG';
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
