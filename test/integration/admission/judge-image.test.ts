import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionCache } from '../../../src/admission/decision-cache.js';
import { admissionInspectJob } from '../../../src/admission/inspect-job.js';
import type { JudgeContext } from '../../../src/admission/judge-context.js';
import { judgeImage } from '../../../src/admission/judge-image.js';
import { TagResolver } from '../../../src/admission/tag-resolver.js';
import type { PodImage } from '../../../src/admission/types.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { PushgateConfig } from '../../../src/config/types.js';
import { parseReference } from '../../../src/oci/reference.js';
import { inspectImage } from '../../../src/pipeline/inspect-image.js';
import { RegistryClients } from '../../../src/pipeline/registry-clients.js';
import type { InspectJobData } from '../../../src/queue/job-types.js';
import { FactsStore } from '../../../src/store/facts-store.js';
import { subscribeImageChanges } from '../../../src/store/image-changes.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import { VerdictStore } from '../../../src/store/verdict-store.js';
import { createWorkerContext, type WorkerContext } from '../../../workers/worker-context.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { redisCommand } from '../../support/redis.js';
import { buildImage, buildIndex, pushImage } from '../../support/image-builder.js';
import { startPushStack, writeServiceConfig, type PushStack } from '../../support/pushgate-service.js';
import { fakeElf } from '../../support/seed-images.js';
import { waitFor } from '../../support/wait-for.js';

/** Enforced in `prod-*` namespaces, audited elsewhere; warns about shells in `staging`. */
const POLICIES = `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata: { name: no-compilers }
spec:
  modes:
    - match: { namespaces: ['prod-*'] }
      mode: enforce
    - mode: audit
  rules:
    - id: no-gcc
      severity: high
      message: 'compilers found: {{compilers}}'
      schema: { properties: { compilers: { maxItems: 0 } } }
---
apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata: { name: shell-warning }
spec:
  match: { namespaces: ['staging'] }
  onFail: { action: warn }
  rules:
    - id: no-shell
      severity: low
      message: 'shells found: {{shells}}'
      schema: { properties: { shells: { maxItems: 0 } } }
`;

const CLEAN = [{ path: 'app/hello.txt', content: 'hello\n' }];
const COMPILER = [
  { path: 'usr/bin/gcc-12', content: fakeElf('gcc-12'), mode: 0o755 },
  { path: 'usr/bin/gcc', type: 'symlink' as const, target: 'gcc-12' },
];
const SHELL = [
  { path: 'bin/dash', content: fakeElf('dash'), mode: 0o755 },
  { path: 'bin/sh', type: 'symlink' as const, target: 'dash' },
];

function podImage(image: string): PodImage {
  return { slot: 'container', name: 'app', image, pointer: '/spec/containers/0/image' };
}

/**
 * Admission judges an image for a namespace from the facts the real inspect pipeline stored, on
 * real Redis and a real registry: never pulling inside the request.
 */
describe('judgeImage', () => {
  let stack: PushStack;
  let worker: WorkerContext;
  let config: PushgateConfig;
  let host: string;
  let redis: Redis;
  let subscriber: Redis;
  let clients: RegistryClients;
  let unsubscribe: () => Promise<void>;
  const closers: Array<() => Promise<void>> = [];

  function judgeContext(overrides: Partial<JudgeContext> = {}): JudgeContext {
    return {
      registries: config.registries,
      policySet: worker.policySet,
      onError: config.policies.onError,
      facts: new FactsStore(redis, config.redis.prefix),
      verdicts: new VerdictStore(redis, config.redis.prefix),
      tags: new TagResolver(clients),
      cache: new DecisionCache(),
      ...overrides,
    };
  }

  async function push(
    repository: string,
    tag: string,
    image: Awaited<ReturnType<typeof buildImage>> | Awaited<ReturnType<typeof buildIndex>>,
  ): Promise<string> {
    return (await pushImage({ url: stack.registry.url, repository, tag }, image)).digest;
  }

  async function inspect(
    repository: string,
    tag: string,
    digest: string,
    ctx: WorkerContext = worker,
    extra: Partial<InspectJobData> = {},
  ): Promise<void> {
    const data: InspectJobData = {
      source: 'distribution',
      registry: 'local',
      repository,
      digest,
      tag,
      receivedAt: new Date().toISOString(),
      ...extra,
    };
    const result = await inspectImage(data, ctx, {
      jobId: `job-${repository}-${Date.now()}`,
      number: 1,
      last: true,
    });
    expect(result.outcome).toBe('inspected');
  }

  beforeAll(async () => {
    stack = await startPushStack();
    const policyDir = join(stack.dir, 'policies');
    await mkdir(policyDir, { recursive: true });
    await writeFile(join(policyDir, 'policies.yaml'), POLICIES);
    const cfg = await writeServiceConfig({
      dir: stack.dir,
      redisUrl: stack.redis.url,
      registryUrl: stack.registry.url,
      extra: { policies: { paths: [policyDir] } },
    });
    config = loadConfig({ path: cfg.path, env: {} }).config as PushgateConfig;
    worker = await createWorkerContext(config, { component: 'test' });
    host = new URL(stack.registry.url).host;
    redis = createRedis(stack.redis.url, { name: 'judge' });
    subscriber = createRedis(stack.redis.url, { name: 'judge-changes' });
    clients = new RegistryClients(config.registries, config.limits);
  }, 120_000);

  afterAll(async () => {
    await unsubscribe?.();
    for (const close of closers) await close();
    await clients?.close();
    redis?.disconnect();
    subscriber?.disconnect();
    await worker?.close();
    await stack?.stop();
  });

  describe('from stored facts', () => {
    let cleanDigest: string;
    let indexDigest: string;
    let armDigest: string;
    let amdDigest: string;
    let shellDigest: string;

    beforeAll(async () => {
      cleanDigest = await push('team/clean', '1', await buildImage({ layers: [{ files: CLEAN }] }));
      await inspect('team/clean', '1', cleanDigest);
      // An index whose arm64 platform holds a compiler: the worst platform decides.
      const amd = await buildImage({
        layers: [{ files: CLEAN }],
        platform: { os: 'linux', architecture: 'amd64' },
      });
      const arm = await buildImage({
        layers: [{ files: [...CLEAN, ...COMPILER] }],
        platform: { os: 'linux', architecture: 'arm64' },
      });
      amdDigest = amd.manifest.digest;
      armDigest = arm.manifest.digest;
      indexDigest = await push('team/builder', '2', await buildIndex([amd, arm], { attestation: true }));
      await inspect('team/builder', '2', indexDigest);
      shellDigest = await push(
        'team/shell',
        '1',
        await buildImage({ layers: [{ files: [...CLEAN, ...SHELL] }] }),
      );
      await inspect('team/shell', '1', shellDigest);
    }, 120_000);

    it('passes a clean image, resolving its tag to the digest it judges', async () => {
      const decision = await judgeImage(
        podImage(`${host}/team/clean:1`),
        parseReference(`${host}/team/clean:1`),
        'prod-eu',
        judgeContext(),
        AbortSignal.timeout(5000),
      );
      expect(decision).toEqual({
        image: podImage(`${host}/team/clean:1`),
        outcome: 'pass',
        digest: cleanDigest,
        reasons: [],
      });
    });

    it('rejects the compiler image where the policy is enforced, naming policy, rule and message', async () => {
      const ctx = judgeContext();
      const decision = await judgeImage(
        podImage(`${host}/team/builder:2`),
        parseReference(`${host}/team/builder:2`),
        'prod-eu',
        ctx,
        AbortSignal.timeout(5000),
      );
      expect(decision.outcome).toBe('reject');
      expect(decision.digest).toBe(indexDigest);
      expect(decision.reasons).toEqual(['no-compilers/no-gcc: compilers found: gcc']);
      // Lookups by a platform's digest: arm64 is the culprit, amd64 is clean.
      const byPlatform = async (digest: string): Promise<string> =>
        (
          await judgeImage(
            podImage(`${host}/team/builder@${digest}`),
            parseReference(`${host}/team/builder@${digest}`),
            'prod-eu',
            ctx,
            AbortSignal.timeout(5000),
          )
        ).outcome;
      expect(await byPlatform(armDigest)).toBe('reject');
      expect(await byPlatform(amdDigest)).toBe('pass');
    });

    it('passes the same image in a namespace where the policy is only audited', async () => {
      const decision = await judgeImage(
        podImage(`${host}/team/builder:2`),
        parseReference(`${host}/team/builder:2`),
        'dev',
        judgeContext(),
        AbortSignal.timeout(5000),
      );
      expect(decision).toMatchObject({ outcome: 'pass', digest: indexDigest, reasons: [] });
    });

    it('warns where a warn policy matches the namespace, and not elsewhere', async () => {
      const ctx = judgeContext();
      const judge = (namespace: string): ReturnType<typeof judgeImage> =>
        judgeImage(
          podImage(`${host}/team/shell:1`),
          parseReference(`${host}/team/shell:1`),
          namespace,
          ctx,
          AbortSignal.timeout(5000),
        );
      expect(await judge('staging')).toMatchObject({
        outcome: 'warn',
        reasons: ['shell-warning/no-shell: shells found: dash, sh'],
      });
      expect((await judge('prod-eu')).outcome).toBe('pass');
    });

    it('is unknown for a digest never inspected, and builds its inspect job (source admission)', async () => {
      const digest = `sha256:${createHash('sha256').update('never pushed').digest('hex')}`;
      const reference = parseReference(`${host}/team/ghost@${digest}`);
      const decision = await judgeImage(
        podImage(`${host}/team/ghost@${digest}`),
        reference,
        'prod-eu',
        judgeContext(),
        AbortSignal.timeout(5000),
      );
      expect(decision).toMatchObject({
        outcome: 'unknown',
        digest,
        reasons: ['never inspected by pushgate'],
      });
      const job = admissionInspectJob(reference, config.registries[0], decision.digest, 'v1');
      expect(job.data).toMatchObject({
        source: 'admission',
        registry: 'local',
        repository: 'team/ghost',
        digest,
      });
      expect(job.data.force).toBe(true);
    });

    it('is error for a stored error verdict without facts, and unknown for a verdict without facts', async () => {
      const digest = `sha256:${createHash('sha256').update('failed inspection').digest('hex')}`;
      const base = {
        registry: 'local',
        registryHost: host,
        repository: 'team/failed',
        digest,
        tags: [],
        verdicts: [],
        facts: {
          platforms: [],
          compilers: [],
          shells: [],
          packageManagers: [],
          secrets: 0,
          sizeBytes: 0,
          layers: 0,
        },
        actions: [],
        policySetVersion: worker.policySet.version,
        evaluatedAt: new Date().toISOString(),
        scanMs: 1,
      };
      await worker.store.put({
        ...base,
        decision: 'error',
        reasons: ['could not be inspected: REGISTRY_UNREACHABLE: connection refused'],
        error: { code: 'REGISTRY_UNREACHABLE', message: 'connection refused' },
      });
      const judge = (repository: string, d: string): ReturnType<typeof judgeImage> =>
        judgeImage(
          podImage(`${host}/${repository}@${d}`),
          parseReference(`${host}/${repository}@${d}`),
          'prod-eu',
          judgeContext(),
          AbortSignal.timeout(5000),
        );
      expect(await judge('team/failed', digest)).toMatchObject({
        outcome: 'error',
        reasons: ['could not be inspected: REGISTRY_UNREACHABLE: connection refused'],
      });
      const old = `sha256:${createHash('sha256').update('judged long ago').digest('hex')}`;
      await worker.store.put({ ...base, repository: 'team/old', digest: old, decision: 'pass', reasons: [] });
      expect(await judge('team/old', old)).toMatchObject({
        outcome: 'unknown',
        reasons: [expect.stringMatching(/before pushgate stored facts/)],
      });
    });

    it('is unknown for a tag the registry does not have', async () => {
      const decision = await judgeImage(
        podImage(`${host}/team/clean:nope`),
        parseReference(`${host}/team/clean:nope`),
        'prod-eu',
        judgeContext(),
        AbortSignal.timeout(5000),
      );
      expect(decision.outcome).toBe('unknown');
      expect(decision.reasons[0]).toContain('team/clean:nope is not in registry');
    });

    it('is unconfigured for a registry pushgate does not know, Docker Hub included', async () => {
      for (const text of ['registry.example.com/team/app:1', 'nginx', 'index.docker.io/library/nginx:1']) {
        const decision = await judgeImage(
          podImage(text),
          parseReference(text),
          'prod-eu',
          judgeContext(),
          AbortSignal.timeout(5000),
        );
        expect(decision.outcome).toBe('unconfigured');
      }
    });
  });

  it('resolves a tag with one HEAD, cached and coalesced (counted at a proxy)', async () => {
    const proxy: FaultProxy = await startFaultProxy(stack.registry.url);
    closers.push(() => proxy.stop());
    const proxied = [{ ...config.registries[0], name: 'proxied', url: proxy.url, host: proxy.host }];
    const proxiedClients = new RegistryClients(proxied, config.limits);
    closers.push(() => proxiedClients.close());
    let now = 1_000_000;
    const tags = new TagResolver(proxiedClients, { now: () => now });
    const ctx = judgeContext({ registries: proxied, tags });
    const digest = await push('team/coalesce', '1', await buildImage({ layers: [{ files: CLEAN }] }));
    await inspect('team/coalesce', '1', digest);
    const judge = (tag: string): ReturnType<typeof judgeImage> =>
      judgeImage(
        podImage(`${proxy.host}/team/coalesce:${tag}`),
        parseReference(`${proxy.host}/team/coalesce:${tag}`),
        'prod-eu',
        ctx,
        AbortSignal.timeout(5000),
      );
    // Warm the client (a first request may ping /v2/), on another tag.
    await judge('warm-up');
    const before = proxy.counts().forwarded;
    const decisions = await Promise.all(Array.from({ length: 10 }, () => judge('1')));
    expect(decisions.map((d) => d.outcome)).toEqual(Array(10).fill('pass'));
    expect(proxy.counts().forwarded - before).toBe(1);
    await judge('1');
    expect(proxy.counts().forwarded - before).toBe(1);
    now += 61_000;
    await judge('1');
    expect(proxy.counts().forwarded - before).toBe(2);
    expect(tags.stats).toMatchObject({ coalesced: 9 });
    // The registry failing (503 with Retry-After) on a tag not cached: unavailable at the deadline.
    proxy.failFor(5000);
    const started = Date.now();
    const decision = await judgeImage(
      podImage(`${proxy.host}/team/coalesce:other`),
      parseReference(`${proxy.host}/team/coalesce:other`),
      'prod-eu',
      ctx,
      AbortSignal.timeout(300),
    );
    expect(decision.outcome).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(1000);
  }, 60_000);

  it('drops a cached judgement when a re-inspection changes the facts (pub/sub)', async () => {
    const cache = new DecisionCache();
    unsubscribe = await subscribeImageChanges(subscriber, config.redis.prefix, (change) =>
      cache.apply(change),
    );
    const ctx = judgeContext({ cache });
    // First inspected by a worker without the compilers extractor: nothing to object to.
    const blind: WorkerContext = {
      ...worker,
      extractors: worker.extractors.filter((e) => e.id !== 'compilers'),
    };
    const digest = await push(
      'team/rescan',
      '1',
      await buildImage({ layers: [{ files: [...CLEAN, ...COMPILER] }] }),
    );
    await inspect('team/rescan', '1', digest, blind);
    const judge = (): ReturnType<typeof judgeImage> =>
      judgeImage(
        podImage(`${host}/team/rescan@${digest}`),
        parseReference(`${host}/team/rescan@${digest}`),
        'prod-eu',
        ctx,
        AbortSignal.timeout(5000),
      );
    expect((await judge()).outcome).toBe('pass');
    expect((await judge()).outcome).toBe('pass');
    expect(cache.stats.hits).toBe(1);
    // A forced re-scan with every extractor finds the compiler; the cached pass must go.
    await inspect('team/rescan', '1', digest, worker, { force: true });
    await waitFor('the cached pass to be dropped', async () => (await judge()).outcome === 'reject', 5000);
    expect((await judge()).reasons).toEqual(['no-compilers/no-gcc: compilers found: gcc']);
  }, 60_000);

  it('answers unavailable within the deadline when Redis hangs', async () => {
    const digest = await push('team/paused', '1', await buildImage({ layers: [{ files: CLEAN }] }));
    await inspect('team/paused', '1', digest);
    const ctx = judgeContext();
    // Every client's commands wait for 2 s: a Redis that accepts but does not answer.
    expect(await redisCommand(stack.redis.port, 'CLIENT PAUSE 2000 ALL')).toBe('+OK');
    const started = Date.now();
    const decision = await judgeImage(
      podImage(`${host}/team/paused@${digest}`),
      parseReference(`${host}/team/paused@${digest}`),
      'prod-eu',
      ctx,
      AbortSignal.timeout(300),
    );
    expect(decision).toMatchObject({ outcome: 'unavailable', digest });
    expect(decision.reasons[0]).toMatch(/before the deadline/);
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }, 60_000);

  it('answers unavailable within the deadline when Redis is down', async () => {
    const digest = await push('team/down', '1', await buildImage({ layers: [{ files: CLEAN }] }));
    await inspect('team/down', '1', digest);
    const ctx = judgeContext();
    await stack.redis.restart(async () => {
      const started = Date.now();
      const decision = await judgeImage(
        podImage(`${host}/team/down@${digest}`),
        parseReference(`${host}/team/down@${digest}`),
        'prod-eu',
        ctx,
        AbortSignal.timeout(300),
      );
      const elapsed = Date.now() - started;
      expect(decision.outcome).toBe('unavailable');
      expect(decision.reasons[0]).toMatch(/could not be judged/);
      expect(elapsed).toBeLessThan(1500);
    });
    // Back up: judged again (nothing unavailable was cached).
    await waitFor(
      'a judgement once Redis is back',
      async () => {
        const decision = await judgeImage(
          podImage(`${host}/team/down@${digest}`),
          parseReference(`${host}/team/down@${digest}`),
          'prod-eu',
          ctx,
          AbortSignal.timeout(2000),
        );
        return decision.outcome === 'pass';
      },
      10_000,
    );
  }, 60_000);
});
