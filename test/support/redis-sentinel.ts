import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export interface SentinelNode {
  port: number;
  pid: number;
  /** True until the process has exited. */
  alive(): boolean;
}

export interface SentinelCluster {
  masterName: string;
  /** `requirepass` of the primary and the replica (and their `masterauth`). */
  password: string;
  /** `requirepass` of the sentinels. */
  sentinelPassword: string;
  /** `127.0.0.1:PORT` of each sentinel, as `redis.sentinels` lists them. */
  sentinels: string[];
  /** The redis-server nodes by port: the primary first, then the replicas, as started. */
  servers: SentinelNode[];
  /** The primary's port as the first sentinel that answers reports it now. */
  masterPort(): Promise<number>;
  /** `INFO replication`'s `role` of the server on `port`. */
  role(port: number): Promise<string>;
  /** SIGKILL to the redis-server on `port`: no shutdown, no last write, as when its node dies. */
  kill(port: number): Promise<void>;
  /**
   * Waits until every live sentinel names a primary other than `oldPort`, and that server says it
   * is a primary; resolves with its port.
   */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export interface SentinelClusterOptions {
  masterName?: string;
  replicas?: number;
  sentinels?: number;
  /** Sentinel's `down-after-milliseconds`: how long the primary may not answer before failover. */
  downAfterMs?: number;
}

/**
 * The sentinel binary: Debian's `redis-sentinel` package is a link to the redis-server binary,
 * which runs as a sentinel under that name or with `--sentinel`. The same code either way; the
 * fallback only spares a machine that has redis-server but not the link.
 */
function sentinelCommand(configPath: string): { command: string; args: string[] } {
  const found = spawnSync('sh', ['-c', 'command -v redis-sentinel'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim() !== '')
    return { command: 'redis-sentinel', args: [configPath] };
  return { command: 'redis-server', args: [configPath, '--sentinel'] };
}

interface Started {
  node: SentinelNode;
  child: ChildProcess;
  output(): string;
}

function startProcess(command: string, args: string[]): Started {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (c: Buffer): void => {
    output = (output + c.toString()).slice(-8000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  child.once('error', (err) => {
    output += `\ncannot run ${command} (apt-get install redis-server redis-sentinel): ${err.message}`;
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  return {
    child,
    output: () => output,
    node: {
      port: 0,
      pid: child.pid ?? -1,
      alive: () => child.exitCode === null && child.signalCode === null && child.pid !== undefined,
    },
  };
}

/** One short-lived authenticated connection: a command, its reply, closed. */
async function ask(port: number, password: string, ...command: string[]): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(command[0], ...command.slice(1));
  } finally {
    client.disconnect();
  }
}

function infoField(info: unknown, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(String(info))?.[1]?.trim();
}

/** SENTINEL MASTER's flat [key, value, …] reply as a record. */
function pairs(reply: unknown): Record<string, string> {
  const list = (reply as unknown[]).map(String);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]] = list[i + 1];
  return out;
}

/**
 * A primary, its replicas and sentinels (three by default, quorum two) on loopback, every one
 * with a password, each a real process with its data in a temp dir. Resolves once every sentinel
 * monitors the primary, knows the replicas and the other sentinels, and the replicas are in sync:
 * a failover can happen from then on.
 */
export async function startSentinelCluster(options: SentinelClusterOptions = {}): Promise<SentinelCluster> {
  const masterName = options.masterName ?? 'pushgate-primary';
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const quorum = Math.floor(sentinelCount / 2) + 1;
  const password = `redis-${randomBytes(12).toString('hex')}`;
  const sentinelPassword = `sentinel-${randomBytes(12).toString('hex')}`;
  const dir = await tempDir('pushgate-sentinel-');
  const started: Started[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      started.map(async (s) => {
        if (!s.node.alive()) return;
        const exited = new Promise((resolve) => s.child.once('exit', resolve));
        s.child.kill('SIGKILL');
        await exited;
      }),
    );
    await dir.remove();
  };

  const startServer = async (replicaOf?: number): Promise<Started> => {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir.path];
    args.push('--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no');
    args.push('--requirepass', password, '--masterauth', password);
    if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
    const s = startProcess('redis-server', args);
    s.node.port = port;
    started.push(s);
    await waitFor(`redis-server on ${port} to answer`, async () => {
      if (!s.node.alive()) throw new Error(`redis-server exited: ${s.output()}`);
      return (await ask(port, password, 'PING')) === 'PONG';
    });
    return s;
  };

  try {
    const primary = await startServer();
    const replicas: Started[] = [];
    for (let i = 0; i < replicaCount; i++) replicas.push(await startServer(primary.node.port));
    const sentinels: Started[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const port = await freePort();
      const configPath = join(dir.path, `sentinel-${port}.conf`);
      // Sentinel rewrites its file (what it learns, the epoch): it must be its own and writable.
      await writeFile(
        configPath,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir.path}`,
          `requirepass ${sentinelPassword}`,
          `sentinel sentinel-pass ${sentinelPassword}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${primary.node.port} ${quorum}`,
          `sentinel auth-pass ${masterName} ${password}`,
          `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      const { command, args } = sentinelCommand(configPath);
      const s = startProcess(command, args);
      s.node.port = port;
      started.push(s);
      sentinels.push(s);
    }
    await waitFor('the replicas to be in sync with the primary', async () => {
      for (const r of replicas) {
        if (infoField(await ask(r.node.port, password, 'INFO', 'replication'), 'master_link_status') !== 'up')
          return false;
      }
      return true;
    });
    await waitFor(
      `every sentinel to know the primary, ${replicaCount} replica(s) and ${sentinelCount - 1} other sentinel(s)`,
      async () => {
        for (const s of sentinels) {
          if (!s.node.alive()) throw new Error(`a sentinel exited: ${s.output()}`);
          const master = pairs(await ask(s.node.port, sentinelPassword, 'SENTINEL', 'MASTER', masterName));
          if (master.flags !== 'master') return false;
          if (Number(master['num-slaves']) !== replicaCount) return false;
          if (Number(master['num-other-sentinels']) !== sentinelCount - 1) return false;
        }
        return true;
      },
      30_000,
    );

    const masterPort = async (): Promise<number> => {
      let lastError: unknown;
      for (const s of sentinels) {
        if (!s.node.alive()) continue;
        try {
          const reply = (await ask(
            s.node.port,
            sentinelPassword,
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            masterName,
          )) as string[];
          return Number(reply[1]);
        } catch (err) {
          lastError = err;
        }
      }
      throw new Error(`no sentinel answered: ${String(lastError)}`);
    };
    const role = async (port: number): Promise<string> =>
      infoField(await ask(port, password, 'INFO', 'replication'), 'role') ?? 'unknown';

    return {
      masterName,
      password,
      sentinelPassword,
      sentinels: sentinels.map((s) => `127.0.0.1:${s.node.port}`),
      servers: [primary, ...replicas].map((s) => s.node),
      masterPort,
      role,
      async kill(port) {
        const s = started.find((x) => x.node.port === port);
        if (!s) throw new Error(`no server on ${port} in this cluster`);
        if (!s.node.alive()) return;
        const exited = new Promise((resolve) => s.child.once('exit', resolve));
        s.child.kill('SIGKILL');
        await exited;
      },
      async waitForFailover(oldPort, timeoutMs = 30_000) {
        let promoted = oldPort;
        await waitFor(
          `the sentinels to promote a replica of ${oldPort}`,
          async () => {
            const ports = new Set<number>();
            for (const s of sentinels) {
              if (!s.node.alive()) continue;
              const reply = (await ask(
                s.node.port,
                sentinelPassword,
                'SENTINEL',
                'GET-MASTER-ADDR-BY-NAME',
                masterName,
              )) as string[];
              ports.add(Number(reply[1]));
            }
            if (ports.size !== 1 || ports.has(oldPort)) return false;
            promoted = [...ports][0];
            return (await role(promoted)) === 'master';
          },
          timeoutMs,
        );
        return promoted;
      },
      stop: stopAll,
    };
  } catch (err) {
    const logs = started.map((s) => `--- ${s.node.port}\n${s.output().slice(-1500)}`).join('\n');
    await stopAll();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}
