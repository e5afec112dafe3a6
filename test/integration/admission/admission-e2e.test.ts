import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, pushImage } from '../../support/image-builder.js';
import {
  startInProcess,
  startPushStack,
  waitForRecord,
  type InProcessService,
  type PushStack,
} from '../../support/pushgate-service.js';
import { ADMISSION_FIXTURE_DIR } from '../../support/admission-fixtures.js';
import { freePort } from '../../support/ports.js';
import { fakeElf } from '../../support/seed-images.js';
import { createTestCa, issueServerPair, type TestCa } from '../../support/test-ca.js';
import { waitFor } from '../../support/wait-for.js';
import { httpsRequest, podReview, pushJudgedPair } from './admission-client.js';

/**
 * The whole gate: images pushed to a real registry are judged by the real workers; then the
 * admission webhook of the same `pushgate start` answers AdmissionReviews from the stored facts.
 */
describe('admission end to end: registry verdicts decide what a cluster may run', () => {
  let stack: PushStack;
  let service: InProcessService;
  let ca: TestCa;
  let admissionUrl: string;
  let goodImage: string;
  let badImage: string;
  let goodDigest: string;

  async function review(body: unknown): Promise<{
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    warnings?: string[];
    patch?: string;
  }> {
    const answer = await httpsRequest(admissionUrl, {
      ca: ca.cert,
      path: '/admission/validate',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(answer.status).toBe(200);
    return (answer.json as { response: never }).response;
  }

  beforeAll(async () => {
    stack = await startPushStack();
    ca = await createTestCa(join(stack.dir, 'ca'));
    const pair = await issueServerPair(ca, join(stack.dir, 'server'), 'admission');
    const port = await freePort();
    // The push stack's config with the webhook on.
    const { stringify, parse } = await import('yaml');
    const document = parse(await readFile(stack.cfg.path, 'utf8')) as Record<string, unknown>;
    document.admission = {
      enabled: true,
      host: '127.0.0.1',
      port,
      tls: { certFile: pair.certFile, keyFile: pair.keyFile },
    };
    const { writeFile } = await import('node:fs/promises');
    await writeFile(stack.cfg.path, stringify(document));
    service = await startInProcess('start', stack.cfg.path);
    admissionUrl = `https://127.0.0.1:${port}`;

    let badDigest: string;
    ({ goodDigest, badDigest } = await pushJudgedPair(stack.registry.url, service.url, stack.cfg.apiToken));
    goodImage = `${stack.registry.host}/prod/api:1`;
    // The registry side deleted the rejected image (its tag is gone): a pod can still name its digest.
    badImage = `${stack.registry.host}/prod/tools@${badDigest}`;
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await stack?.stop();
  }, 60_000);

  it('denies a Deployment with one rejected container among good ones, naming that container', async () => {
    const fixture = JSON.parse(
      await readFile(join(ADMISSION_FIXTURE_DIR, 'deployment-create.json'), 'utf8'),
    ) as {
      request: {
        object: { spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } } };
      };
    };
    const containers = fixture.request.object.spec.template.spec.containers;
    containers[0].image = goodImage;
    containers[1].image = badImage;
    containers.splice(2);
    const answer = await review(fixture);
    expect(answer.allowed).toBe(false);
    expect(answer.status?.code).toBe(403);
    expect(answer.status?.message).toContain(`container "${containers[1].name}"`);
    expect(answer.status?.message).toMatch(/no-build-toolchain/);
    expect(answer.status?.message).not.toContain(`container "${containers[0].name}"`);
    // One real denial, for the closing note and whoever reads the CI log.
    console.log(`admission denial:\n${answer.status?.message}`);
  });

  it('allows a pod with the good image', async () => {
    const answer = await review(
      podReview({
        namespace: 'team-a',
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web' },
          spec: { containers: [{ name: 'app', image: goodImage }] },
        },
      }),
    );
    expect(answer).toMatchObject({ allowed: true });
    // The default healthcheck policy only warns: allowed, and kubectl shows why.
    expect((answer.warnings ?? []).join('\n')).toMatch(/healthcheck/);
  });

  it('denies an image pushgate never saw, and says how to get it inspected', async () => {
    const unknown = `${stack.registry.host}/prod/api@sha256:${'0'.repeat(64)}`;
    const answer = await review(
      podReview({
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web' },
          spec: { containers: [{ name: 'app', image: unknown }] },
        },
      }),
    );
    expect(answer.allowed).toBe(false);
    expect(answer.status?.message).toMatch(/has not been inspected/);
  });

  it('allows anything in kube-system', async () => {
    const answer = await review(
      podReview({
        namespace: 'kube-system',
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'proxy' },
          spec: { containers: [{ name: 'p', image: badImage }] },
        },
      }),
    );
    expect(answer.allowed).toBe(true);
  });

  it('queues an inspection for an unknown image that exists (not on a dry run)', async () => {
    // Pushed with notifications going nowhere: the registry knows it, pushgate does not.
    const fresh = await buildImage({
      layers: [{ files: [{ path: 'app/other', content: fakeElf('other'), mode: 0o755 }] }],
      config: { User: '65532:65532' },
    });
    const { digest } = await pushImage(
      { url: stack.registry.url, repository: 'prod/fresh', tag: '1' },
      fresh,
    );
    const image = `${stack.registry.host}/prod/fresh@${digest}`;
    // The push notification may already have queued it; either way a verdict must follow.
    const answer = await review(
      podReview({
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'fresh' },
          spec: { containers: [{ name: 'app', image }] },
        },
      }),
    );
    expect(typeof answer.allowed).toBe('boolean');
    await waitForRecord(service.url, stack.cfg.apiToken, digest);
    await waitFor(
      'the decision cache to see the verdict',
      async () =>
        (
          await review(
            podReview({
              object: {
                apiVersion: 'v1',
                kind: 'Pod',
                metadata: { name: 'fresh' },
                spec: { containers: [{ name: 'app', image }] },
              },
            }),
          )
        ).allowed,
      40_000,
    );
    expect(goodDigest).toMatch(/^sha256:/);
  }, 90_000);
});
