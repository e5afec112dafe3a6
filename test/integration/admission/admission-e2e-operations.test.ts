import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSPECT_QUEUE } from '../../../src/queue/job-types.js';
import { ADMISSION_FIXTURE_DIR } from '../../support/admission-fixtures.js';
import { OpenApiValidator } from '../../support/openapi-validator.js';
import { freePort } from '../../support/ports.js';
import {
  REPO_ROOT,
  spawnService,
  startPushStack,
  type ChildService,
  type PushStack,
} from '../../support/pushgate-service.js';
import { createTestCa, issueServerPair, type IssuedPair, type TestCa } from '../../support/test-ca.js';
import { waitFor } from '../../support/wait-for.js';
import { httpsRequest, podReview, pushJudgedPair } from './admission-client.js';

interface ReviewResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  warnings?: string[];
  patch?: string;
  patchType?: string;
  auditAnnotations?: Record<string, string>;
}

/**
 * The rest of the gate end to end, on a real `pushgate start` (a child process, whose log is
 * read), a real Redis and a real registry whose pushes the real worker judged: digest pinning by
 * the mutating webhook (Pods only), a dry run that queues nothing, audit mode, Redis going away
 * (both `onUnavailable` answers, inside the deadline), and what operators see: the decider's
 * metrics, denials in the audit stream and one log line per denial with the review uid.
 */
describe('admission end to end: pinning, dry runs, audit mode, Redis down, metrics and audit', () => {
  const DEADLINE_MS = 1500;
  let stack: PushStack;
  let ca: TestCa;
  let pair: IssuedPair;
  let service: ChildService | undefined;
  let admissionUrl: string;
  let serviceUrl: string;
  let goodImage: string;
  let goodDigest: string;
  let badImage: string;
  let baseConfig: Record<string, unknown>;
  let bull: Redis;
  let inspectQueue: Queue;

  async function startService(admission: Record<string, unknown>, log = 'info'): Promise<void> {
    const port = await freePort();
    await writeFile(
      stack.cfg.path,
      stringify({
        ...baseConfig,
        log: { level: log },
        admission: {
          enabled: true,
          host: '127.0.0.1',
          port,
          tls: { certFile: pair.certFile, keyFile: pair.keyFile },
          deadlineMs: DEADLINE_MS,
          ...admission,
        },
      }),
    );
    service = spawnService('start', stack.cfg.path);
    admissionUrl = `https://127.0.0.1:${port}`;
    await waitFor(
      'pushgate and its admission webhook to answer',
      async () =>
        (await fetch(`${serviceUrl}/healthz`)).ok &&
        (await httpsRequest(admissionUrl, { ca: ca.cert, method: 'GET', path: '/healthz' })).status === 200,
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${service?.output().slice(-4000)}`);
    });
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited within 15 s: a graceful stop waits for the
   * inspection in progress (the one the non-dry-run review queued for a digest that is nowhere).
   */
  async function stopService(): Promise<void> {
    const exited = await Promise.race([
      service?.terminate().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000)),
    ]);
    if (!exited) await service?.kill();
    service = undefined;
  }

  async function review(
    body: unknown,
    path = '/admission/validate',
  ): Promise<ReviewResponse & { ms: number }> {
    const answer = await httpsRequest(admissionUrl, {
      ca: ca.cert,
      path,
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(answer.status, answer.text).toBe(200);
    return { ...(answer.json as { response: ReviewResponse }).response, ms: answer.ms };
  }

  function pod(image: string, overrides: Record<string, unknown> = {}, container = 'app') {
    return podReview({
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web' },
        spec: { containers: [{ name: container, image }] },
      },
      ...overrides,
    });
  }

  /**
   * Inspect jobs for `digest` in every state (jobs are kept for days once done, so an added one is
   * counted however fast the worker is). Filtered by digest: the registry's own notifications may
   * queue jobs for the pushed images meanwhile.
   */
  async function inspectJobsFor(digest: string): Promise<number> {
    const jobs = await inspectQueue.getJobs([
      'waiting',
      'active',
      'completed',
      'failed',
      'delayed',
      'prioritized',
    ]);
    return jobs.filter((job) => JSON.stringify(job.data).includes(digest)).length;
  }

  beforeAll(async () => {
    stack = await startPushStack();
    serviceUrl = `http://127.0.0.1:${stack.cfg.port}`;
    ca = await createTestCa(join(stack.dir, 'ca'));
    pair = await issueServerPair(ca, join(stack.dir, 'server'), 'admission');
    baseConfig = parse(await readFile(stack.cfg.path, 'utf8')) as Record<string, unknown>;
    bull = new Redis(stack.redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
    inspectQueue = new Queue(INSPECT_QUEUE, { connection: bull, prefix: stack.cfg.prefix });

    await startService({ mutate: { enabled: true }, onUnavailable: 'deny' });
    let badDigest: string;
    ({ goodDigest, badDigest } = await pushJudgedPair(stack.registry.url, serviceUrl, stack.cfg.apiToken));
    goodImage = `${stack.registry.host}/prod/api:1`;
    badImage = `${stack.registry.host}/prod/tools@${badDigest}`;
  }, 180_000);

  afterAll(async () => {
    await stopService();
    await inspectQueue?.close();
    bull?.disconnect();
    await stack?.stop();
  }, 60_000);

  describe('enforce mode, mutate enabled', () => {
    it('pins a Pod’s repo:tag to the digest that was judged (JSONPatch), keeping the tag', async () => {
      const answer = await review(pod(goodImage), '/admission/mutate');
      expect(answer.allowed).toBe(true);
      expect(answer.patchType).toBe('JSONPatch');
      const patch = JSON.parse(Buffer.from(answer.patch ?? '', 'base64').toString('utf8')) as unknown;
      expect(patch).toEqual([
        { op: 'replace', path: '/spec/containers/0/image', value: `${goodImage}@${goodDigest}` },
      ]);
    });

    it('never patches a Deployment (GitOps tools would fight it), though its image is the same', async () => {
      const fixture = JSON.parse(
        await readFile(join(ADMISSION_FIXTURE_DIR, 'deployment-create.json'), 'utf8'),
      ) as {
        request: {
          object: { spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } } };
        };
      };
      const containers = fixture.request.object.spec.template.spec.containers;
      containers.splice(1);
      containers[0].image = goodImage;
      const answer = await review(fixture, '/admission/mutate');
      expect(answer.allowed).toBe(true);
      expect(answer.patch).toBeUndefined();
      expect(answer.patchType).toBeUndefined();
    });

    it('denies an unknown image on a dry run but queues no inspection; the same review for real does', async () => {
      const digest = `sha256:${randomBytes(32).toString('hex')}`;
      const unknown = `${stack.registry.host}/prod/api@${digest}`;
      const dry = await review(pod(unknown, { dryRun: true }));
      expect(dry.allowed).toBe(false);
      expect(dry.status?.message).toMatch(/a dry run queues no inspection/);
      // The enqueue never delays the answer: give a stray one time to land before counting.
      await new Promise((resolve) => setTimeout(resolve, 750));
      expect(await inspectJobsFor(digest)).toBe(0);

      const real = await review(pod(unknown));
      expect(real.allowed).toBe(false);
      expect(real.status?.message).toMatch(/an inspection has been queued/);
      await waitFor('the inspection to be queued', async () => (await inspectJobsFor(digest)) === 1, 10_000);
    });

    it('appends each denial to the audit stream (escaped) and logs it with the review uid', async () => {
      const hostile = 'app\u001b[2Jx';
      const request = pod(badImage, { namespace: 'team-audit' }, hostile);
      const uid = (request.request as { uid: string }).uid;
      const answer = await review(request);
      expect(answer.allowed).toBe(false);

      const validator = new OpenApiValidator(
        JSON.parse(await readFile(join(REPO_ROOT, 'src/server/openapi.json'), 'utf8')),
      );
      let entry: Record<string, string> | undefined;
      await waitFor('the denial in the audit stream', async () => {
        const response = await fetch(`${serviceUrl}/api/v1/audit?limit=50`, {
          headers: { authorization: `Bearer ${stack.cfg.apiToken}` },
        });
        const text = await response.text();
        expect(
          validator.check('GET', '/api/v1/audit', {
            status: response.status,
            headers: response.headers,
            text,
          }),
        ).toEqual([]);
        const page = JSON.parse(text) as { entries: Array<Record<string, string>> };
        entry = page.entries.find((e) => e.type === 'admission' && e.ref === uid);
        return entry !== undefined;
      });
      expect(entry).toMatchObject({
        type: 'admission',
        registry: 'local',
        repository: 'prod/tools',
        digest: badImage.split('@')[1],
        outcome: 'denied',
        ref: uid,
      });
      expect(entry?.detail).toContain('team-audit: Pod/web');
      expect(entry?.detail).toMatch(/no-build-toolchain/);
      expect(entry?.detail).toContain('\\x1b[2Jx');
      expect(entry?.detail).not.toContain('\u001b');

      await waitFor('the denial log line', async () =>
        (service?.output() ?? '')
          .split('\n')
          .some((line) => line.includes('"admission: denied"') && line.includes(uid)),
      );
      const line = (service?.output() ?? '')
        .split('\n')
        .find((l) => l.includes('"admission: denied"') && l.includes(uid));
      const logged = JSON.parse(line ?? '{}') as { uid?: string; images?: Array<{ reason: string }> };
      expect(logged.uid).toBe(uid);
      expect(logged.images?.[0]?.reason).toMatch(/no-build-toolchain/);
      // Never the review object: its environment values stay out of the log.
      expect(service?.output()).not.toContain('hunter2-must-never-be-logged');
    });

    it('exposes the decision cache and tag resolution series on the service /metrics', async () => {
      // The same pod twice in a fresh namespace: one miss, then one hit.
      await review(pod(goodImage, { namespace: 'team-metrics' }));
      await review(pod(goodImage, { namespace: 'team-metrics' }));
      const text = await (await fetch(`${serviceUrl}/metrics`)).text();
      const value = (series: string): number => {
        const match = new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text);
        return match ? Number(match[1]) : NaN;
      };
      expect(value('pushgate_admission_decision_cache_lookups_total{result="hit"}')).toBeGreaterThanOrEqual(
        1,
      );
      expect(value('pushgate_admission_decision_cache_lookups_total{result="miss"}')).toBeGreaterThanOrEqual(
        1,
      );
      expect(value('pushgate_admission_decision_cache_entries')).toBeGreaterThanOrEqual(1);
      // goodImage is a tag: resolved once with a HEAD, then from the resolver's cache.
      expect(value('pushgate_admission_tag_resolutions_total{result="resolved"}')).toBeGreaterThanOrEqual(1);
      expect(value('pushgate_admission_tag_resolutions_total{result="cached"}')).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(/^pushgate_admission_tag_resolutions_total\{result="coalesced"\} \d+$/m);
    });

    it('with Redis stopped, denies inside the deadline (admission.onUnavailable: deny)', async () => {
      await stack.redis.restart(async () => {
        // A namespace never judged: nothing in the decision cache can answer for it.
        const started = Date.now();
        const answer = await review(pod(goodImage, { namespace: 'team-redis-down' }));
        const ms = Date.now() - started;
        expect(answer.allowed).toBe(false);
        expect(answer.status?.message).toMatch(/pushgate could not (decide|reach its store)/);
        // Loosely: it ends, near the deadline rather than hanging.
        expect(ms).toBeLessThan(DEADLINE_MS + 3000);
      });
    }, 30_000);
  });

  describe('enforce mode, onUnavailable allow', () => {
    beforeAll(async () => {
      await stopService();
      await startService({ onUnavailable: 'allow' });
    }, 90_000);

    it('with Redis stopped, allows with a warning inside the deadline (admission.onUnavailable: allow)', async () => {
      await stack.redis.restart(async () => {
        const started = Date.now();
        const answer = await review(pod(goodImage, { namespace: 'team-redis-down-2' }));
        const ms = Date.now() - started;
        expect(answer.allowed).toBe(true);
        expect((answer.warnings ?? []).join('\n')).toMatch(
          /pushgate could not decide.*onUnavailable: allow|could not be checked: pushgate could not reach its store/,
        );
        expect(ms).toBeLessThan(DEADLINE_MS + 3000);
      });
    }, 30_000);

    it('denies the rejected image again once Redis is back', async () => {
      await waitFor(
        'a decision from stored facts',
        async () => (await review(pod(badImage, { namespace: 'team-back' }))).allowed === false,
        20_000,
      );
    }, 30_000);
  });

  describe('audit mode', () => {
    beforeAll(async () => {
      await stopService();
      await startService({ mode: 'audit', mutate: { enabled: true } });
    }, 90_000);

    it('allows a rejected image with warnings and the would-deny audit annotation', async () => {
      const answer = await review(pod(badImage, { namespace: 'team-a' }));
      expect(answer.allowed).toBe(true);
      expect(answer.status).toBeUndefined();
      const warnings = (answer.warnings ?? []).join('\n');
      expect(warnings).toMatch(/would deny: container "app": image .* was rejected/);
      expect(answer.auditAnnotations?.['would-deny']).toMatch(/no-build-toolchain/);
    });

    it('never pins in audit mode', async () => {
      const answer = await review(pod(goodImage), '/admission/mutate');
      expect(answer.allowed).toBe(true);
      expect(answer.patch).toBeUndefined();
    });
  });
});
