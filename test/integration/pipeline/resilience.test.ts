import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { InspectJobData } from '../../../src/queue/job-types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { buildImage, pushImage } from '../../support/image-builder.js';
import { freePort } from '../../support/ports.js';
import {
  newWebhookToken,
  spawnService,
  startInProcess,
  waitForRecord,
  writeServiceConfig,
  type ChildService,
  type InProcessService,
  type ServiceConfigFile,
} from '../../support/pushgate-service.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { fakeElf } from '../../support/seed-images.js';
import { tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A small passing image (non-root, no tools) with one incompressible layer of `size` bytes. */
async function buildCleanImage(name: string, size: number) {
  return buildImage({
    format: 'oci',
    layers: [
      {
        createdBy: `COPY /out/${name} /${name} # buildkit`,
        files: [{ path: name, content: fakeElf(name, 4096), mode: 0o755, uid: 65532, gid: 65532 }],
      },
      {
        createdBy: 'COPY /data /data # buildkit',
        files: [{ path: 'data/blob.bin', content: randomBytes(size), uid: 65532, gid: 65532 }],
      },
    ],
    config: {
      User: '65532:65532',
      Entrypoint: [`/${name}`],
      Healthcheck: { Test: ['CMD', `/${name}`, '-health'] },
    },
  });
}

/**
 * Crash and outage recovery, with pushgate's worker as a separate process and a fault-injecting
 * proxy between pushgate and the registry (the registry's notifications still go straight to
 * pushgate's webhook).
 */
describe('recovery', () => {
  let redis: RedisServer;
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let cfg: ServiceConfigFile;
  let server: InProcessService;
  let worker: ChildService | undefined;
  let shortTimeout: ServiceConfigFile;
  let shortGrace: ServiceConfigFile;

  async function jobCount(state: string): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const match = new RegExp(`pushgate_jobs\\{queue="inspect",state="${state}"\\} (\\d+)`).exec(text);
    return match ? Number(match[1]) : -1;
  }

  /**
   * Starts a worker with `config` and pushes an image whose 24 MiB layer the proxy serves at
   * ~2.5 MiB/s (about ten seconds); returns once the layer download is under way.
   */
  async function startSlowScan(name: string, config: ServiceConfigFile, env: NodeJS.ProcessEnv = {}) {
    const running = spawnService('worker', config.path, env);
    worker = running;
    proxy.throttleBlobs(25);
    const image = await buildCleanImage(name, 24 * 1024 * 1024);
    const { digest } = await pushImage({ url: registry.url, repository: `prod/${name}`, tag: '1' }, image);
    await waitFor('the inspection to start', async () => (await jobCount('active')) === 1, 60_000);
    const before = proxy.blobBytes();
    await waitFor(
      'the layer download to be under way',
      async () => proxy.blobBytes() - before > 2 * 1024 * 1024,
      60_000,
    );
    const sandboxes = running.childPids();
    expect(sandboxes.length).toBeGreaterThan(0);
    return { digest, sandboxes, running };
  }

  /** A fresh worker (the default configuration) takes the job up and passes the image; no job failed. */
  async function completedByAFreshWorker(digest: string): Promise<Record<string, unknown>> {
    worker = spawnService('worker', cfg.path);
    const record = await waitForRecord(server.url, cfg.apiToken, digest, () => true, 90_000);
    expect(record.decision).toBe('pass');
    expect(await jobCount('failed')).toBe(0);
    return record;
  }

  beforeAll(async () => {
    dir = await tempDir('pushgate-recovery-');
    const port = await freePort();
    const webhookToken = newWebhookToken();
    [redis, registry] = await Promise.all([
      startRedis(),
      startRegistry({
        notifications: [
          {
            name: 'pushgate',
            url: `http://127.0.0.1:${port}/hooks/distribution`,
            headers: { Authorization: [`Bearer ${webhookToken}`] },
          },
        ],
      }),
    ]);
    proxy = await startFaultProxy(registry.url);
    const common = {
      dir: dir.path,
      redisUrl: redis.url,
      registryUrl: proxy.url,
      port,
      webhookToken,
    };
    cfg = await writeServiceConfig({
      ...common,
      // The registry's own host (as notifications name it) maps to the proxy pushgate reads through.
      extra: { registries: [{ name: 'local', url: proxy.url, aliases: [registry.host] }] },
      enforcement: { attachReport: false },
      workers: { attempts: 12, backoffMs: 1000 },
    });
    // A second worker configuration on the same queues, with a scan time limit a slow pull exceeds.
    shortTimeout = await writeServiceConfig({
      ...common,
      prefix: cfg.prefix,
      extra: {
        registries: [{ name: 'local', url: proxy.url, aliases: [registry.host] }],
        limits: { scanTimeoutMs: 2000 },
      },
      enforcement: { attachReport: false },
    });
    // And one that gives a stopping worker's jobs a second to finish.
    shortGrace = await writeServiceConfig({
      ...common,
      prefix: cfg.prefix,
      extra: { registries: [{ name: 'local', url: proxy.url, aliases: [registry.host] }] },
      enforcement: { attachReport: false },
      workers: { attempts: 12, backoffMs: 1000, shutdownGraceMs: 1000 },
    });
    server = await startInProcess('serve', cfg.path);
  }, 60_000);

  afterEach(async () => {
    await worker?.terminate();
    worker = undefined;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.stop();
    await Promise.all([registry?.stop(), redis?.stop()]);
    await dir?.remove();
  }, 60_000);

  it('a worker killed with SIGKILL mid-scan: the job completes after a restart', async () => {
    const { digest, sandboxes, running } = await startSlowScan('crash', cfg);
    await running.killParent();
    // The sandboxed child sees its IPC channel close and exits: no orphan keeps reading.
    await waitFor(
      'the orphaned sandbox to exit',
      async () => sandboxes.every((pid) => !isAlive(pid)),
      10_000,
    );
    proxy.throttleBlobs(0);
    expect(await jobCount('active')).toBe(1); // still locked by the dead worker

    const record = await completedByAFreshWorker(digest);
    expect(record.tags).toEqual(['1']);
  }, 180_000);

  it('SIGTERM mid-scan past workers.shutdownGraceMs: exits 0, the job is handed back unrecorded and completes after a restart', async () => {
    const { digest, sandboxes, running } = await startSlowScan('handback', shortGrace);
    // SIGTERM to the process group, as a terminal's Ctrl-C: the sandbox, told too, would finish its
    // scan (far past the 1 s grace); the worker stops it once the grace period is over.
    const code = await running.terminate();
    const output = running.output();
    expect(code, output).toBe(0);
    expect(output).toContain('handing them back');
    expect(output).not.toContain('did not close');
    expect(sandboxes.every((pid) => !isAlive(pid))).toBe(true);
    // Handed back, not failed: no verdict, no failed job, the job still held by its lapsing lock.
    const record = await fetch(`${server.url}/api/v1/images/${digest}`, {
      headers: { authorization: `Bearer ${cfg.apiToken}` },
    });
    expect(record.status).toBe(404);
    expect(await jobCount('failed')).toBe(0);
    expect(await jobCount('active')).toBe(1);
    proxy.throttleBlobs(0);

    await completedByAFreshWorker(digest);
  }, 180_000);

  it('a second SIGTERM while a scan runs: exits at once, and the job completes after a restart', async () => {
    // The default grace: as long as a scan may take.
    const { digest, sandboxes, running } = await startSlowScan('twice', cfg, { PUSHGATE_LOG_LEVEL: 'info' });
    // To the main process only, as Kubernetes (and `kill`) sends it.
    const firstAt = Date.now();
    running.child.kill('SIGTERM');
    await waitFor('the stop to begin', async () => running.output().includes('stopping the workers'));
    // The same signal again at once is npm passing on the one its script got already: ignored.
    running.child.kill('SIGTERM');
    await sleep(Math.max(0, firstAt + 1200 - Date.now()));
    expect(running.child.exitCode).toBeNull(); // waiting for the scan
    running.child.kill('SIGTERM');
    expect(await running.exited, running.output()).toBe(143);
    expect(running.output()).toContain('SIGTERM again while stopping: exiting now');
    await waitFor(
      'the orphaned sandbox to exit',
      async () => sandboxes.every((pid) => !isAlive(pid)),
      10_000,
    );
    proxy.throttleBlobs(0);

    await completedByAFreshWorker(digest);
  }, 180_000);

  it('Redis restarted with jobs queued: nothing is lost (AOF)', async () => {
    const digests: string[] = [];
    for (const n of [1, 2, 3]) {
      const image = await buildCleanImage(`queued${n}`, 4096);
      digests.push(
        (await pushImage({ url: registry.url, repository: `prod/queued${n}`, tag: 'v1' }, image)).digest,
      );
    }
    // Counted by repository: a late event of an earlier test (a pass tag) may wait in the queue too.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined); // it reconnects after the restart
    const queue = new Queue<InspectJobData>('inspect', { connection, prefix: cfg.prefix });
    const queued = async (): Promise<number> =>
      (await queue.getWaiting()).filter((job) => job.data.repository.startsWith('prod/queued')).length;
    try {
      await waitFor('three queued jobs', async () => (await queued()) === 3, 30_000);
      await redis.restart();
      await waitFor('Redis back with the jobs', async () => (await queued()) === 3, 30_000);
    } finally {
      await queue.close();
      connection.disconnect();
    }

    worker = spawnService('worker', cfg.path);
    for (const digest of digests) {
      const record = await waitForRecord(server.url, cfg.apiToken, digest, () => true, 60_000);
      expect(record.decision).toBe('pass');
    }
  }, 180_000);

  it('the registry answering 503 for 20 s: retried, then completed', async () => {
    const image = await buildCleanImage('outage', 4096);
    proxy.failFor(20_000);
    const failedBefore = proxy.counts().failed;
    const started = Date.now();
    worker = spawnService('worker', cfg.path);
    const { digest } = await pushImage({ url: registry.url, repository: 'prod/outage', tag: '1' }, image);
    const record = await waitForRecord(server.url, cfg.apiToken, digest, () => true, 120_000);
    expect(record.decision).toBe('pass');
    expect(Date.now() - started).toBeGreaterThanOrEqual(19_000);
    expect(proxy.counts().failed - failedBefore).toBeGreaterThan(3);
  }, 180_000);

  it('an inspection past limits.scanTimeoutMs is stopped and the image refused as UNJUDGED (fail-closed)', async () => {
    worker = spawnService('worker', shortTimeout.path);
    proxy.throttleBlobs(25); // the 24 MiB layer needs about ten seconds: far past the 2 s limit
    try {
      const image = await buildCleanImage('slow', 24 * 1024 * 1024);
      const { digest } = await pushImage({ url: registry.url, repository: 'prod/slow', tag: '1' }, image);
      await waitFor('the inspection to start', async () => (await jobCount('active')) === 1, 60_000);
      const sandboxes = worker.childPids();
      // UNJUDGED under rejectUnjudged: auto with reject: delete → tagged, not deleted.
      const record = await waitForRecord(server.url, cfg.apiToken, digest, (r) =>
        (r.actions as Array<{ kind: string }>).some((a) => a.kind === 'tag'),
      );
      expect(record.decision).toBe('reject');
      expect(record.unjudged).toBe(true);
      expect((record.error as { code: string }).code).toBe('SCAN_TIMEOUT');
      // The sandbox that was still pulling ended itself once the failure was reported.
      await waitFor(
        'the timed-out sandbox to exit',
        async () => sandboxes.every((pid) => !isAlive(pid)),
        10_000,
      );
    } finally {
      proxy.throttleBlobs(0);
    }
  }, 180_000);
});
