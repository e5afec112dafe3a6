import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, describeRedisTarget } from '../../../src/store/redis-connection.js';
import { redisTarget } from '../../../src/store/redis-target.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { buildImage, pushImage } from '../../support/image-builder.js';
import { freePort } from '../../support/ports.js';
import {
  newWebhookToken,
  spawnService,
  writeServiceConfig,
  type ChildService,
  type ServiceConfigFile,
} from '../../support/pushgate-service.js';
import { startSentinelCluster, type SentinelCluster } from '../../support/redis-sentinel.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

/** One notification request from the registry to pushgate, as the recorder in between saw it. */
interface Delivery {
  start: number;
  end: number;
  /** pushgate's status; 0 when pushgate could not be reached at all. */
  status: number;
  /** Manifest push events the request carried. */
  digests: string[];
}

function manifestDigests(body: Buffer): string[] {
  try {
    const envelope = JSON.parse(body.toString('utf8')) as {
      events?: Array<{ action?: string; target?: { mediaType?: string; digest?: string } }>;
    };
    return (envelope.events ?? [])
      .filter((e) => e.action === 'push' && /manifest/.test(e.target?.mediaType ?? ''))
      .map((e) => e.target?.digest ?? '');
  } catch {
    return [];
  }
}

/**
 * Between the registry and pushgate's webhook: forwards each notification and records what
 * pushgate answered and when, so webhooks answered 202 can be counted against verdicts.
 */
async function startRecorder(
  port: number,
  target: string,
): Promise<{ deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const delivery: Delivery = { start: Date.now(), end: 0, status: 0, digests: manifestDigests(body) };
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) })
        .then(async (answer) => {
          delivery.status = answer.status;
          const text = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'text/plain',
          });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        })
        .finally(() => {
          delivery.end = Date.now();
          deliveries.push(delivery);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { deliveries, server };
}

async function verdictOf(cfg: ServiceConfigFile, digest: string): Promise<string | undefined> {
  const answer = await fetch(`http://127.0.0.1:${cfg.port}/api/v1/images/${digest}`, {
    headers: { authorization: `Bearer ${cfg.apiToken}` },
  });
  if (answer.status !== 200) {
    await answer.body?.cancel();
    return undefined;
  }
  return ((await answer.json()) as { decision?: string }).decision;
}

/**
 * Redis Sentinel, end to end: a primary, a replica and three real sentinels on loopback;
 * `pushgate serve` and `pushgate worker` (separate processes, the worker's sandboxed inspector
 * included) configured with the sentinels and both passwords from the environment; a CNCF
 * registry whose notifications reach pushgate. Images are pushed continuously while the primary is
 * killed with SIGKILL.
 */
describe('Redis Sentinel failover', () => {
  failOnUnhandledErrors();
  let cluster: SentinelCluster;
  let registry: TestRegistry;
  let recorder: { deliveries: Delivery[]; server: Server };
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let cfg: ServiceConfigFile;
  let serve: ChildService | undefined;
  let worker: ChildService | undefined;

  beforeAll(async () => {
    dir = await tempDir('pushgate-sentinel-test-');
    const [hookPort, port] = [await freePort(), await freePort()];
    const webhookToken = newWebhookToken();
    [cluster, registry] = await Promise.all([
      startSentinelCluster(),
      startRegistry({
        notifications: [
          {
            name: 'pushgate',
            url: `http://127.0.0.1:${hookPort}/hooks/distribution`,
            headers: { Authorization: [`Bearer ${webhookToken}`] },
          },
        ],
      }),
    ]);
    recorder = await startRecorder(hookPort, `http://127.0.0.1:${port}/hooks/distribution`);
    cfg = await writeServiceConfig({
      dir: dir.path,
      registryUrl: registry.url,
      port,
      webhookToken,
      // The passwords come from REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD, never the file.
      redis: { sentinels: cluster.sentinels, sentinelName: cluster.masterName },
      enforcement: { dryRun: true, attachReport: false },
      workers: { inspectConcurrency: 2 },
    });
  }, 60_000);

  afterAll(async () => {
    // SIGTERM, and SIGKILL when a graceful stop hangs (a failed run may leave Redis unreachable).
    for (const service of [serve, worker]) {
      if (!service) continue;
      await Promise.race([service.terminate(), sleep(10_000).then(() => service.kill())]);
    }
    await new Promise((resolve) => recorder?.server.close(resolve));
    await Promise.all([registry?.stop(), cluster?.stop()]);
    await dir?.remove();
  }, 60_000);

  it('createRedis reaches the primary through the sentinels, and never names a password', async () => {
    const target = redisTarget({
      sentinels: cluster.sentinels,
      sentinelName: cluster.masterName,
      password: cluster.password,
      sentinelPassword: cluster.sentinelPassword,
      prefix: 'unused',
    });
    if (target.kind !== 'sentinel') throw new Error(`expected a Sentinel target, got ${target.kind}`);
    const client = createRedis(target, { name: 'sentinel-probe' });
    try {
      expect(await client.set('pushgate-sentinel-probe', 'ok')).toBe('OK');
      const port = /^tcp_port:(\d+)/m.exec(await client.info('server'))?.[1];
      expect(Number(port)).toBe(cluster.servers[0].port);
      expect(String(await client.client('LIST'))).toContain('name=pushgate:sentinel-probe');
    } finally {
      client.disconnect();
    }
    const described = describeRedisTarget(target);
    expect(described).toBe(`sentinel master ${cluster.masterName} via ${cluster.sentinels.join(',')}`);

    // A wrong sentinel password: the error reaches the hook, with the target but no password.
    const seen: string[] = [];
    const refused = createRedis(
      { ...target, sentinelPassword: 'wrong-S3CR3T-0123456789' },
      { name: 'refused', onError: (error, context) => seen.push(`${error.message} ${context.target}`) },
    );
    try {
      await waitFor('an error from the refusing sentinels', async () => seen.length > 0, 15_000);
    } finally {
      refused.disconnect();
    }
    expect(seen.join('\n')).not.toMatch(/S3CR3T|redis-[0-9a-f]{24}|sentinel-[0-9a-f]{24}/);
  });

  it('pushes flow while the primary is killed: pushgate follows the promoted replica', async () => {
    const env = { REDIS_PASSWORD: cluster.password, REDIS_SENTINEL_PASSWORD: cluster.sentinelPassword };
    serve = spawnService('serve', cfg.path, env);
    worker = spawnService('worker', cfg.path, env);
    await waitFor('pushgate to be ready', async () => {
      const answer = await fetch(`http://127.0.0.1:${cfg.port}/readyz`).catch(() => undefined);
      return answer?.status === 200;
    });

    const pushes: Array<{ digest: string; at: number }> = [];
    let pushing = true;
    const pusher = (async () => {
      for (let i = 0; pushing; i++) {
        const image = await buildImage({
          layers: [
            { files: [{ path: `data/${i}.bin`, content: randomBytes(2048), uid: 65532, gid: 65532 }] },
          ],
          config: { User: '65532:65532', Entrypoint: ['/data'] },
        });
        const at = Date.now();
        const { digest } = await pushImage(
          { url: registry.url, repository: 'prod/failover', tag: `v${i}` },
          image,
        );
        pushes.push({ digest, at });
        await sleep(250);
      }
    })();

    const oldPrimary = await cluster.masterPort();
    expect(oldPrimary).toBe(cluster.servers[0].port);
    // The service works before the failover: the first pushes are judged.
    await waitFor(
      'verdicts for the first three pushes',
      async () =>
        pushes.length >= 6 &&
        (await Promise.all(pushes.slice(0, 3).map((p) => verdictOf(cfg, p.digest)))).every(Boolean),
      30_000,
    );
    const killedAt = Date.now();
    await cluster.kill(oldPrimary);
    const promoted = await cluster.waitForFailover(oldPrimary, 30_000);
    const promotedAt = Date.now();
    expect(promoted).toBe(cluster.servers[1].port);
    // Pushes go on after the failover; then the last verdicts are waited for.
    await waitFor(
      'six pushes after the failover',
      async () => pushes.filter((p) => p.at > promotedAt).length >= 6,
    );
    pushing = false;
    await pusher;

    const pushed = new Set(pushes.map((p) => p.digest));
    const firstAccepted = new Map<string, number>();
    for (const d of [...recorder.deliveries].sort((a, b) => a.end - b.end)) {
      if (d.status !== 202) continue;
      for (const digest of d.digests) if (!firstAccepted.has(digest)) firstAccepted.set(digest, d.end);
    }
    const verdicts = new Map<string, string>();
    try {
      await waitFor(
        'a verdict for every image pushed',
        async () => {
          // Every missing one is asked each round: the count is right even when some never come.
          for (const digest of pushed) {
            if (verdicts.has(digest)) continue;
            const decision = await verdictOf(cfg, digest);
            if (decision !== undefined) verdicts.set(digest, decision);
          }
          if (verdicts.size < pushed.size) return false;
          // Deliveries still being retried are recorded as they end.
          for (const d of recorder.deliveries)
            if (d.status === 202)
              for (const digest of d.digests)
                if (!firstAccepted.has(digest)) firstAccepted.set(digest, d.end);
          return true;
        },
        30_000,
      );
    } catch {
      // Counted and reported below: a lost verdict is a finding, not a crash of the test.
    }

    const byStatus = new Map<number, number>();
    for (const d of recorder.deliveries) byStatus.set(d.status, (byStatus.get(d.status) ?? 0) + 1);
    const accepted = [...pushed].filter((digest) => firstAccepted.has(digest));
    const lost = accepted.filter((digest) => !verdicts.has(digest));
    // Answered within a second of the kill: replication to the replica is asynchronous, so a job
    // the primary acknowledged just before it died (the answer may reach the registry just after)
    // is the only kind Redis may have lost with it.
    const inReplicationWindow = (digest: string): boolean => {
      const at = firstAccepted.get(digest)!;
      return Math.abs(at - killedAt) <= 1000;
    };
    const report = {
      pushed: pushed.size,
      webhookRequests: recorder.deliveries.length,
      answered: Object.fromEntries(
        [...byStatus].map(([status, n]) => [status === 0 ? 'unreachable' : status, n]),
      ),
      imagesAnswered202: accepted.length,
      verdicts: verdicts.size,
      lost: lost.length,
      lostInReplicationWindow: lost.filter(inReplicationWindow).length,
      failoverMs: promotedAt - killedAt,
      firstAcceptedAfterKillMs:
        Math.min(...[...firstAccepted.values()].filter((at) => at > killedAt)) - killedAt,
    };
    console.log(`sentinel failover: ${JSON.stringify(report)}`);
    try {
      // Every image pushed was eventually answered 202: the registry retried through the 503s.
      expect(accepted.length).toBe(pushed.size);
      // Every webhook answered 202 outside the replication window produced a verdict.
      expect(lost.filter((digest) => !inReplicationWindow(digest))).toEqual([]);
      // And the service went on after the failover: images pushed since were judged.
      expect(pushes.filter((p) => p.at > promotedAt && verdicts.has(p.digest)).length).toBeGreaterThanOrEqual(
        6,
      );
      expect(await cluster.role(promoted)).toBe('master');
    } catch (error) {
      // Where the jobs are (waiting, active, delayed, failed) and what pushgate said while it
      // happened (warnings and errors), for whoever reads the failure.
      const metrics = await fetch(`http://127.0.0.1:${cfg.port}/metrics`)
        .then((answer) => answer.text())
        .catch((err: unknown) => `no metrics: ${String(err)}`);
      console.error(
        `--- pushgate job counts:\n${metrics
          .split('\n')
          .filter((line) => line.startsWith('pushgate_jobs'))
          .join('\n')}`,
      );
      for (const [name, service] of [
        ['serve', serve],
        ['worker', worker],
      ] as const) {
        const lines = service
          .output()
          .split('\n')
          .filter((line) => /"level":(40|50|60)/.test(line));
        console.error(`--- pushgate ${name}, last warnings and errors:\n${lines.slice(-40).join('\n')}`);
      }
      throw error;
    }
  }, 120_000);
});
