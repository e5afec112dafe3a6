import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DECISION_ANNOTATION,
  POLICY_SET_ANNOTATION,
  VERDICT_ARTIFACT_TYPE,
} from '../../../src/actions/attach-report.js';
import { planActions } from '../../../src/actions/plan-actions.js';
import type { PlannedAction } from '../../../src/actions/planned-action.js';
import { runActions, type ActionLogger } from '../../../src/actions/run-actions.js';
import { SecretValue } from '../../../src/actions/secret-value.js';
import type { EnforcementConfig } from '../../../src/config/types.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { digestOf } from '../../../src/oci/digest.js';
import { referrersTag } from '../../../src/registry/registry-reader.js';
import { RegistryWriter } from '../../../src/registry/registry-writer.js';
import type { ImageRecord } from '../../../src/store/types.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { freePort } from '../../support/ports.js';
import {
  buildImage,
  buildIndex,
  pushImage,
  type BuiltImage,
  type BuiltIndex,
} from '../../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { pushBlob, pushManifest } from '../../support/registry-push.js';
import { enforcement, imageRecord, registryConfig } from '../../unit/actions/image-record-fixture.js';

const NOW = new Date('2026-02-03T04:05:06.000Z');

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A local webhook receiver answering each delivery with `status`. */
async function startReceiver(
  status: number,
): Promise<{ url: string; deliveries: Delivery[]; stop(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/verdicts/path-token`,
    deliveries,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('enforcement actions on a real registry (CNCF distribution 2.8)', () => {
  failOnUnhandledErrors();
  let registry: TestRegistry;
  let client: RegistryWriter;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryWriter({
      registry: registry.host,
      plainHttp: true,
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    receiver = await startReceiver(204);
  });

  afterAll(async () => {
    await client?.close();
    await receiver?.stop();
    await registry?.stop();
  });

  async function image(label: string, architecture = 'amd64'): Promise<BuiltImage> {
    return buildImage({
      layers: [{ files: [{ path: `/etc/${label}`, content: `content of ${label} ${architecture}` }] }],
      platform: { os: 'linux', architecture },
      config: { Labels: { label } },
    });
  }

  /** Pushes `built` under every tag and returns the image record the worker would have made. */
  async function push(
    repository: string,
    built: BuiltImage | BuiltIndex,
    tags: string[],
    overrides: Partial<ImageRecord> = {},
  ): Promise<ImageRecord> {
    const target = { url: registry.url, repository };
    const { digest } = await pushImage({ ...target, tag: tags[0] }, built);
    const top = built.kind === 'image' ? built.manifest : built.index;
    for (const tag of tags.slice(1)) await pushManifest(registry, repository, tag, top.data, top.mediaType);
    return imageRecord({ registryHost: registry.host, repository, digest, tags, ...overrides });
  }

  async function exists(repository: string, reference: string): Promise<boolean> {
    const res = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
      method: 'HEAD',
      headers: { accept: [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifest].join(', ') },
    });
    return res.status === 200;
  }

  function plan(record: ImageRecord, config: Partial<EnforcementConfig>): PlannedAction[] {
    return planActions({
      record,
      policies: [],
      enforcement: enforcement(config),
      registry: registryConfig(),
    });
  }

  it('delete: the manifest and every tag pointing at it are gone', async () => {
    const record = await push('act/delete', await image('delete'), ['v1', 'latest'], { decision: 'reject' });
    const other = await push('act/delete', await image('keep'), ['keep']);
    const { records, retryable } = await runActions(plan(record, {}), {
      client,
      dryRun: false,
      record,
      now: () => NOW,
    });
    expect(records).toEqual([
      {
        kind: 'delete',
        outcome: 'done',
        detail: `delete ${registry.host}/act/delete@${record.digest}`,
        at: NOW.toISOString(),
      },
    ]);
    expect(retryable).toBe(false);
    expect(await exists('act/delete', record.digest)).toBe(false);
    expect(await exists('act/delete', 'v1')).toBe(false);
    expect(await exists('act/delete', 'latest')).toBe(false);
    // distribution 2.8 untags every tag of the deleted digest, and only those.
    expect(await client.listTags('act/delete')).toEqual(['keep']);
    expect(await exists('act/delete', other.digest)).toBe(true);

    // Run again (a retried job): the manifest is already gone, which is not a failure.
    const again = await runActions(plan(record, {}), { client, dryRun: false, record });
    expect(again.records[0]).toMatchObject({
      outcome: 'skipped',
      detail: expect.stringContaining('already gone'),
    });
  });

  it('quarantine: index, children and blobs copied under the same digest and tags, source gone, report attached there', async () => {
    const amd = await image('quarantine', 'amd64');
    const arm = await image('quarantine', 'arm64');
    const index = await buildIndex([amd, arm], { attestation: true });
    const record = await push('act/quarantine', index, ['v1', 'v1.0'], { decision: 'reject' });
    const planned = plan(record, {
      reject: 'quarantine',
      quarantineRepository: 'quarantined/{{repository}}',
      attachReport: true,
    });
    expect(planned.map((a) => a.kind)).toEqual(['quarantine', 'attach']);

    const { records, retryable } = await runActions(planned, {
      client,
      dryRun: false,
      record,
      now: () => NOW,
    });
    expect(records.map((r) => [r.kind, r.outcome, r.error])).toEqual([
      ['quarantine', 'done', undefined],
      ['attach', 'done', undefined],
    ]);
    expect(records[0].detail).toContain('5 manifest(s) copied, 8 blob(s) mounted, 0 copied');
    expect(retryable).toBe(false);

    const target = 'quarantined/act/quarantine';
    const copied = await client.getManifest(target, record.digest);
    expect(copied.body).toEqual(index.index.data);
    for (const tag of ['v1', 'v1.0'])
      expect((await client.headManifest(target, tag)).digest).toBe(record.digest);
    for (const child of [...index.images, ...index.attestations]) {
      expect((await client.getManifest(target, child.manifest.digest)).body).toEqual(child.manifest.data);
      for (const blob of [child.config, ...child.layers]) {
        expect(await client.getBlobBuffer(target, blob)).toEqual(blob.data);
      }
    }
    expect(await exists('act/quarantine', record.digest)).toBe(false);
    expect(await exists('act/quarantine', 'v1')).toBe(false);
    expect(await exists('act/quarantine', 'v1.0')).toBe(false);

    const referrers = await client.referrers(target, record.digest, VERDICT_ARTIFACT_TYPE);
    expect(referrers.via).toBe('tag');
    expect(referrers.manifests).toHaveLength(1);

    // A retry after success: already in quarantine, gone from the source.
    const again = await runActions(planned.slice(0, 1), { client, dryRun: false, record });
    expect(again.records[0]).toMatchObject({
      outcome: 'skipped',
      detail: expect.stringContaining('already in'),
    });
  });

  it('tag: the same manifest bytes under the rendered tag', async () => {
    const built = await image('tag');
    const record = await push('act/tag', built, ['1.0'], { decision: 'pass' });
    const { records } = await runActions(plan(record, { passTag: '{{tag}}-verified' }), {
      client,
      dryRun: false,
      record,
    });
    expect(records).toMatchObject([
      { kind: 'tag', outcome: 'done', detail: `tag ${registry.host}/act/tag:1.0-verified` },
    ]);
    const tagged = await client.getManifest('act/tag', '1.0-verified');
    expect(tagged.digest).toBe(record.digest);
    expect(tagged.body).toEqual(built.manifest.data);
    expect((await client.listTags('act/tag')).sort()).toEqual(['1.0', '1.0-verified']);
  });

  it('attach: a verdict artifact listed by referrers() through the fallback index, other referrers kept, ours replaced', async () => {
    const record = await push('act/attach', await image('attach'), ['v1'], {
      decision: 'warn',
      reasons: ['warned'],
      actions: [{ kind: 'tag', outcome: 'done', detail: 'earlier', at: NOW.toISOString() }],
    });
    // Someone else's referrer (a signature) already in the fallback index.
    const empty = await pushBlob(registry, 'act/attach', Buffer.from('{}'));
    const subject = await client.headManifest('act/attach', record.digest);
    const signature = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: 'application/vnd.example.signature',
        config: { mediaType: MediaType.ociEmpty, ...empty },
        layers: [{ mediaType: MediaType.ociEmpty, ...empty }],
        subject,
      }),
    );
    const signatureDigest = await pushManifest(
      registry,
      'act/attach',
      digestOf(signature),
      signature,
      MediaType.ociManifest,
    );
    const foreign = {
      mediaType: MediaType.ociManifest,
      digest: signatureDigest,
      size: signature.length,
      artifactType: 'application/vnd.example.signature',
      annotations: { 'example.com/kept': 'yes' },
    };
    const fallbackTag = referrersTag(record.digest);
    await pushManifest(
      registry,
      'act/attach',
      fallbackTag,
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [foreign] }),
      MediaType.ociIndex,
    );

    const planned = plan(record, { attachReport: true });
    expect(planned.map((a) => a.kind)).toEqual(['attach']);
    const first = await runActions(planned, { client, dryRun: false, record, now: () => NOW });
    expect(first.records[0]).toMatchObject({ kind: 'attach', outcome: 'done' });
    expect(first.records[0].detail).toContain(`fallback index ${fallbackTag}`);

    const listed = await client.referrers('act/attach', record.digest);
    expect(listed.via).toBe('tag');
    expect(listed.manifests).toHaveLength(2);
    expect(listed.manifests[0]).toEqual(foreign);
    const ours = listed.manifests[1];
    expect(ours).toMatchObject({
      mediaType: MediaType.ociManifest,
      artifactType: VERDICT_ARTIFACT_TYPE,
      annotations: {
        'org.opencontainers.image.created': NOW.toISOString(),
        [DECISION_ANNOTATION]: 'warn',
        [POLICY_SET_ANNOTATION]: 'sha256:policies',
      },
    });

    const artifact = await client.getManifest('act/attach', ours.digest, ours.size);
    const manifest = JSON.parse(artifact.body.toString('utf8')) as {
      artifactType: string;
      config: { mediaType: string; digest: string; size: number; data: string };
      layers: Array<{ mediaType: string; digest: string; size: number }>;
      subject: { mediaType: string; digest: string; size: number };
    };
    expect(manifest.artifactType).toBe(VERDICT_ARTIFACT_TYPE);
    expect(manifest.config).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
      data: 'e30=',
    });
    expect(manifest.subject).toEqual({
      mediaType: MediaType.ociManifest,
      digest: record.digest,
      size: subject.size,
    });
    const report = JSON.parse(
      (await client.getBlobBuffer('act/attach', manifest.layers[0])).toString('utf8'),
    ) as Record<string, unknown>;
    expect(manifest.layers[0].mediaType).toBe(VERDICT_ARTIFACT_TYPE);
    expect(report).not.toHaveProperty('facts');
    expect(report).toMatchObject({
      digest: record.digest,
      decision: 'warn',
      reasons: ['warned'],
      tags: ['v1'],
    });
    expect(report.actions).toEqual(record.actions);

    // A new verdict for the same image replaces our entry and keeps the signature.
    const later = new Date(NOW.getTime() + 60_000);
    const second = await runActions(planned, {
      client,
      dryRun: false,
      record: { ...record, decision: 'pass' },
      now: () => later,
    });
    expect(second.records[0].outcome).toBe('done');
    const relisted = await client.referrers('act/attach', record.digest, VERDICT_ARTIFACT_TYPE);
    expect(relisted.manifests).toHaveLength(1);
    expect(relisted.manifests[0].annotations).toMatchObject({
      'org.opencontainers.image.created': later.toISOString(),
      [DECISION_ANNOTATION]: 'pass',
    });
    expect((await client.referrers('act/attach', record.digest)).manifests.map((m) => m.digest)).toEqual([
      signatureDigest,
      relisted.manifests[0].digest,
    ]);
  });

  it('notify: a signed JSON delivery, and a delivery id that stays the same for the same verdict', async () => {
    const record = imageRecord({ registryHost: registry.host, repository: 'act/notify', decision: 'reject' });
    const secret = 'notify-secret-value-123';
    const planned = planActions({
      record,
      policies: [],
      enforcement: enforcement({
        notify: [
          { url: receiver.url, secret },
          { url: receiver.url, decisions: ['pass'] },
        ],
      }),
      registry: registryConfig({ allowDelete: false }),
    }).filter((a) => a.kind === 'notify');
    expect(planned).toHaveLength(1);
    const before = receiver.deliveries.length;
    const logged: unknown[] = [];
    const logger: ActionLogger = { info: (obj) => logged.push(obj) };
    const { records } = await runActions(planned, { client, dryRun: false, record, logger });
    expect(records).toMatchObject([{ kind: 'notify', outcome: 'done' }]);
    expect(records[0].detail).toBe(`notify #0 ${new URL(receiver.url).origin} (HTTP 204)`);
    const delivery = receiver.deliveries[before];
    expect(delivery.headers['content-type']).toBe('application/json');
    const expected = `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`;
    expect(delivery.headers['x-pushgate-signature-256']).toBe(expected);
    const body = JSON.parse(delivery.body.toString('utf8')) as { event: string; record: ImageRecord };
    expect(body.event).toBe('verdict');
    expect(body.record).toMatchObject({
      digest: record.digest,
      decision: 'reject',
      repository: 'act/notify',
    });
    expect(delivery.headers['x-pushgate-delivery']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );

    await runActions(planned, { client, dryRun: false, record });
    expect(receiver.deliveries[before + 1].headers['x-pushgate-delivery']).toBe(
      delivery.headers['x-pushgate-delivery'],
    );
    // Neither the secret nor the URL's path reaches a record or a log line.
    const text = JSON.stringify([records, logged]);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('path-token');
  });

  it('notify: a 5xx answer fails transiently (retryable), a 4xx permanently, an unreachable target transiently', async () => {
    const broken = await startReceiver(503);
    const refusing = await startReceiver(400);
    try {
      const record = imageRecord({ decision: 'warn' });
      const planned: PlannedAction[] = [
        { kind: 'notify', url: refusing.url, target: 0, detail: 'notify #0 refusing' },
        {
          kind: 'notify',
          url: broken.url,
          target: 1,
          detail: 'notify #1 broken',
          secret: new SecretValue('k'),
        },
      ];
      const permanent = await runActions(planned.slice(0, 1), { client, dryRun: false, record });
      expect(permanent.records[0]).toMatchObject({
        outcome: 'failed',
        error: 'notify #0 refusing: HTTP 400',
      });
      expect(permanent.failures).toEqual([{ index: 0, code: 'NOTIFY_FAILED', transient: false }]);
      expect(permanent.retryable).toBe(false);

      const result = await runActions(planned, { client, dryRun: false, record });
      expect(result.records.map((r) => r.error)).toEqual([
        'notify #0 refusing: HTTP 400',
        'notify #1 broken: HTTP 503',
      ]);
      expect(result.retryable).toBe(true);
      expect(broken.deliveries).toHaveLength(1);

      await broken.stop();
      const unreachable = await runActions(planned.slice(1), { client, dryRun: false, record });
      expect(unreachable.records[0].outcome).toBe('failed');
      expect(unreachable.retryable).toBe(true);
    } finally {
      await broken.stop();
      await refusing.stop();
    }
  });

  it('a registry that cannot be reached fails the action transiently: the job may be retried', async () => {
    const down = new RegistryWriter({
      registry: `127.0.0.1:${await freePort()}`,
      plainHttp: true,
      retry: { attempts: 1 },
    });
    try {
      const record = imageRecord({ decision: 'reject' });
      const { records, failures, retryable } = await runActions(plan(record, {}), {
        client: down,
        dryRun: false,
        record,
      });
      expect(records[0]).toMatchObject({ kind: 'delete', outcome: 'failed' });
      expect(failures).toEqual([{ index: 0, code: 'REGISTRY_UNREACHABLE', transient: true }]);
      expect(retryable).toBe(true);
    } finally {
      await down.close();
    }
  });

  it('dry-run: every action says what it would do, and nothing changes', async () => {
    const record = await push('act/dry', await image('dry'), ['v1'], { decision: 'reject' });
    const tagRecord = { ...record, decision: 'tag' as const };
    const before = receiver.deliveries.length;
    const planned = [
      ...plan(record, { reject: 'quarantine', attachReport: true, notify: [{ url: receiver.url }] }),
      ...plan(tagRecord, {}),
      ...plan(record, {}),
    ];
    expect(planned.map((a) => a.kind)).toEqual(['quarantine', 'attach', 'notify', 'tag', 'delete']);
    const logged: Array<{ obj: object; msg: string }> = [];
    const { records, retryable } = await runActions(planned, {
      client,
      dryRun: true,
      record,
      logger: { info: (obj, msg) => logged.push({ obj, msg }) },
    });
    expect(records.map((r) => r.outcome)).toEqual(['dry-run', 'dry-run', 'dry-run', 'dry-run', 'dry-run']);
    expect(records.map((r) => r.detail)).toEqual(planned.map((a) => a.detail));
    expect(records[3].detail).toBe(`tag ${registry.host}/act/dry:v1-rejected`);
    expect(retryable).toBe(false);
    expect(logged).toHaveLength(5);
    expect(logged[4]).toMatchObject({ msg: 'action delete dry-run', obj: { outcome: 'dry-run' } });

    expect(await exists('act/dry', record.digest)).toBe(true);
    expect(await client.listTags('act/dry')).toEqual(['v1']);
    expect(await exists('quarantine/act/dry', record.digest)).toBe(false);
    expect((await client.referrers('act/dry', record.digest)).manifests).toEqual([]);
    expect(receiver.deliveries.length).toBe(before);
  });

  it('a failing action is recorded while the others still run; nothing is deleted after a failed quarantine copy', async () => {
    const built = await image('broken');
    const record = await push('act/fail', built, ['v1'], { decision: 'reject' });
    const intact = await push('act/fail', await image('intact'), ['intact']);
    // The layer blob disappears from the source: the quarantine copy cannot complete.
    const layer = built.layers[0];
    const removed = await fetch(`${registry.url}/v2/act/fail/blobs/${layer.digest}`, { method: 'DELETE' });
    expect(removed.status).toBe(202);
    const before = receiver.deliveries.length;
    const planned: PlannedAction[] = [
      {
        kind: 'tag',
        repository: 'act/fail',
        digest: digestOf(Buffer.from('absent')),
        tag: 'x',
        detail: 'tag of a missing manifest',
      },
      {
        kind: 'tag',
        repository: 'act/fail',
        digest: record.digest,
        tag: 'bad',
        detail: 'tag with a bad template',
        problem: 'bad template',
      },
      ...plan(record, { reject: 'quarantine', notify: [{ url: receiver.url }] }),
      { kind: 'delete', repository: 'act/fail', digest: record.digest, detail: 'delete after quarantine' },
      {
        kind: 'tag',
        repository: 'act/fail',
        digest: intact.digest,
        tag: 'intact-kept',
        detail: 'tag still runs',
      },
    ];
    const logged: string[] = [];
    const { records, failures, retryable } = await runActions(planned, {
      client,
      dryRun: false,
      record,
      logger: {
        info: (_obj, msg) => logged.push(`info ${msg}`),
        warn: (_obj, msg) => logged.push(`warn ${msg}`),
      },
    });
    expect(records.map((r) => [r.kind, r.outcome])).toEqual([
      ['tag', 'failed'],
      ['tag', 'failed'],
      ['quarantine', 'failed'],
      ['notify', 'done'],
      ['delete', 'skipped'],
      ['tag', 'done'],
    ]);
    expect(records[0].error).toMatch(/pull manifest .*HTTP 404/);
    expect(records[1].error).toBe('bad template');
    expect(records[2].error).toMatch(/mount blob .*(mount refused, copying)/);
    expect(records[4].error).toMatch(/quarantine copy failed/);
    expect(failures.map((f) => [f.index, f.code, f.transient])).toEqual([
      [0, 'REGISTRY_NOT_FOUND', false],
      [1, 'CONFIG_INVALID', false],
      [2, 'REGISTRY_NOT_FOUND', false],
    ]);
    expect(retryable).toBe(false);
    expect(logged).toContain('warn action quarantine failed');
    expect(receiver.deliveries.length).toBe(before + 1);
    // The source is intact: the image was neither deleted nor lost its tags.
    expect(await exists('act/fail', record.digest)).toBe(true);
    expect((await client.listTags('act/fail')).sort()).toEqual(['intact', 'intact-kept', 'v1']);
  });
});
