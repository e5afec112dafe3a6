import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildImage, pushImage } from '../../support/image-builder.js';
import { freePort } from '../../support/ports.js';
import {
  DEFAULT_POLICIES,
  startInProcess,
  startPushStack,
  waitForRecord,
  type InProcessService,
  type PushStack,
} from '../../support/pushgate-service.js';
import { fakeElf } from '../../support/seed-images.js';
import { createTestCa, issueServerPair, type TestCa } from '../../support/test-ca.js';
import { waitFor } from '../../support/wait-for.js';
import { httpsRequest, podReview } from './admission-client.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A policy every image fails: the "stricter policy set" an operator rolls out. */
const STRICT_POLICY = `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata:
  name: strict-layers
  description: At most zero layers (every image fails)
spec:
  mode: enforce
  onFail:
    action: reject
  rules:
    - id: no-layers
      severity: high
      message: 'image has {{totals.layerCount}} layers; this set allows none'
      schema:
        properties:
          totals:
            properties:
              layerCount:
                maximum: 0
`;

interface Delivery {
  event: string;
  record: { digest: string; decision: string };
  admitted?: Array<{ namespace: string; kind: string; name: string; digest: string }>;
}

/**
 * Knowing what runs: the webhook records what it admitted; a stricter policy set re-evaluates the
 * stored verdicts in the background, and the workloads running a digest that turned to reject are
 * listed by the API, counted in /metrics, audited and notified; a registry delete of that digest
 * is held back (admission.protectAdmittedDays).
 */
describe('admitted workloads and verdicts that turn to reject', () => {
  let stack: PushStack;
  let service: InProcessService | undefined;
  let ca: TestCa;
  let admissionUrl: string;
  let notifyServer: Server;
  const deliveries: Delivery[] = [];
  let digest: string;
  let image: string;
  let document: Record<string, unknown>;

  const api = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${service!.url}${path}`, {
      headers: { authorization: `Bearer ${stack.cfg.apiToken}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  async function review(body: Record<string, unknown>): Promise<{ allowed: boolean }> {
    const answer = await httpsRequest(admissionUrl, {
      ca: ca.cert,
      path: '/admission/validate',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(answer.status).toBe(200);
    return (answer.json as { response: { allowed: boolean } }).response;
  }

  const ownedPod = (namespace: string, owner: string, dryRun = false): Record<string, unknown> =>
    podReview({
      namespace,
      name: '',
      dryRun,
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: `${owner}-`,
          namespace,
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: 'u-1', controller: true },
          ],
        },
        spec: { containers: [{ name: 'app', image }] },
      },
    });

  async function admissions(query = ''): Promise<Array<Record<string, unknown>>> {
    const answer = await api(`/api/v1/admissions${query}`);
    expect(answer.status).toBe(200);
    return answer.body.admissions as Array<Record<string, unknown>>;
  }

  beforeAll(async () => {
    notifyServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivery);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => notifyServer.listen(0, '127.0.0.1', () => resolve()));
    const notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}/hook`;
    stack = await startPushStack({ enforcement: { notify: [{ url: notifyUrl }] } });
    ca = await createTestCa(join(stack.dir, 'ca'));
    const pair = await issueServerPair(ca, join(stack.dir, 'server'), 'admission');
    const port = await freePort();
    document = parse(await readFile(stack.cfg.path, 'utf8')) as Record<string, unknown>;
    document.admission = {
      enabled: true,
      host: '127.0.0.1',
      port,
      tls: { certFile: pair.certFile, keyFile: pair.keyFile },
    };
    await writeFile(stack.cfg.path, stringify(document));
    service = await startInProcess('start', stack.cfg.path);
    admissionUrl = `https://127.0.0.1:${port}`;

    const good = await buildImage({
      layers: [{ files: [{ path: 'app/server', content: fakeElf('server'), mode: 0o755 }] }],
      config: { User: '65532:65532', Entrypoint: ['/app/server'] },
    });
    digest = (await pushImage({ url: stack.registry.url, repository: 'prod/api', tag: '1' }, good)).digest;
    const record = await waitForRecord(service.url, stack.cfg.apiToken, digest);
    expect(record.decision).not.toBe('reject');
    image = `${stack.registry.host}/prod/api:1`;
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await stack?.stop();
    await new Promise<void>((resolve) => notifyServer?.close(() => resolve()));
  }, 60_000);

  it('records what an allowed answer admitted (owner from ownerReferences), not dry runs, and lists it', async () => {
    expect((await review(ownedPod('shop', 'web-7d9f'))).allowed).toBe(true);
    expect((await review(ownedPod('shop', 'rehearsal', true))).allowed).toBe(true);
    let listed: Array<Record<string, unknown>> = [];
    await waitFor('the admission to be recorded', async () => {
      listed = await admissions();
      return listed.length > 0;
    });
    expect(listed).toEqual([
      expect.objectContaining({
        digest,
        namespace: 'shop',
        kind: 'ReplicaSet',
        name: 'web-7d9f',
        image,
        registry: 'local',
        repository: 'prod/api',
      }),
    ]);
    expect(listed[0].decision).not.toBe('reject');
    expect(await admissions('?decision=reject')).toEqual([]);
    expect((await api('/api/v1/admissions?decision=maybe')).status).toBe(400);
  });

  it('a stricter policy set re-evaluates the stored verdict in the background: listed, counted, audited, notified, nothing deleted', async () => {
    const before = await waitForRecord(service!.url, stack.cfg.apiToken, digest);
    await service!.stop();
    service = undefined;
    const strictDir = join(stack.dir, 'strict');
    await mkdir(strictDir, { recursive: true });
    await writeFile(join(strictDir, 'policy.yaml'), STRICT_POLICY);
    document.policies = { paths: [DEFAULT_POLICIES, strictDir] };
    await writeFile(stack.cfg.path, stringify(document));
    service = await startInProcess('start', stack.cfg.path);

    const after = await waitForRecord(
      service.url,
      stack.cfg.apiToken,
      digest,
      (r) => r.policySetVersion !== before.policySetVersion,
    );
    expect(after.decision).toBe('reject');
    expect(after.reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/strict-layers\/no-layers/)]),
    );

    await waitFor('the notification', async () => deliveries.some((d) => d.event === 'admitted-rejected'));
    const delivery = deliveries.find((d) => d.event === 'admitted-rejected')!;
    expect(delivery.record).toMatchObject({ digest, decision: 'reject' });
    expect(delivery.admitted).toEqual([
      expect.objectContaining({ digest, namespace: 'shop', kind: 'ReplicaSet', name: 'web-7d9f' }),
    ]);

    expect(await admissions('?decision=reject')).toEqual([
      expect.objectContaining({ digest, namespace: 'shop', name: 'web-7d9f', decision: 'reject' }),
    ]);
    const audit = await api(`/api/v1/audit?digest=${digest}`);
    const refs = (audit.body.entries as Array<{ ref?: string; detail?: string }>).map((e) => e.ref);
    expect(refs).toEqual(expect.arrayContaining(['reevaluation', 'admitted-reevaluation']));
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^pushgate_admitted_rejected_workloads 1$/m);
    // A re-evaluated reject queues no enforcement: the manifest is still there.
    const head = await fetch(`${stack.registry.url}/v2/prod/api/manifests/${digest}`, {
      method: 'HEAD',
      headers: { accept: OCI_MANIFEST },
    });
    expect(head.status).toBe(200);
  }, 120_000);

  it('a later push of the admitted digest is tagged instead of deleted (protectAdmittedDays)', async () => {
    const manifest = await fetch(`${stack.registry.url}/v2/prod/api/manifests/${digest}`, {
      headers: { accept: OCI_MANIFEST },
    });
    const body = Buffer.from(await manifest.arrayBuffer());
    const put = await fetch(`${stack.registry.url}/v2/prod/api/manifests/2`, {
      method: 'PUT',
      headers: { 'content-type': manifest.headers.get('content-type') ?? '' },
      body,
    });
    expect(put.status).toBe(201);
    // The first push's pass tag (passTagOnWarn) is a tag action too: wait for this push's.
    await waitForRecord(service!.url, stack.cfg.apiToken, digest, (r) =>
      (r.actions as Array<{ kind: string; detail: string }>).some(
        (a) => a.kind === 'tag' && a.detail.includes(':2-rejected'),
      ),
    );
    const record = await waitForRecord(service!.url, stack.cfg.apiToken, digest);
    const actions = record.actions as Array<{ kind: string; outcome: string; detail: string }>;
    expect(actions.filter((a) => a.kind === 'delete')).toEqual([]);
    expect(actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'tag',
          outcome: 'done',
          detail: expect.stringMatching(/:2-rejected .*protectAdmittedDays \(30 days\)/),
        }),
      ]),
    );
    const head = await fetch(`${stack.registry.url}/v2/prod/api/manifests/${digest}`, {
      method: 'HEAD',
      headers: { accept: OCI_MANIFEST },
    });
    expect(head.status).toBe(200);
    const tagged = await fetch(`${stack.registry.url}/v2/prod/api/manifests/2-rejected`, {
      method: 'HEAD',
      headers: { accept: OCI_MANIFEST },
    });
    expect(tagged.status).toBe(200);
  }, 90_000);
});
