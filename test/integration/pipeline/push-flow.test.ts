import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerd, type Dockerd } from '../../support/dockerd.js';
import { buildImage, pushImage, writeDockerArchive } from '../../support/image-builder.js';
import {
  startInProcess,
  startPushStack,
  waitForRecord,
  type InProcessService,
  type PushStack,
  type ServiceConfigFile,
} from '../../support/pushgate-service.js';
import type { TestRegistry } from '../../support/registry.js';
import {
  buildMultiStageImage,
  buildSingleStageImage,
  fakeElf,
  SEED_STRIPE_KEY,
} from '../../support/seed-images.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * The whole flow with no manual step: a real Docker engine pushes to a real registry, whose
 * notifications reach pushgate; BullMQ workers inspect, decide and act on the registry.
 */
describe('push → webhook → inspect → enforce', () => {
  let stack: PushStack;
  let registry: TestRegistry;
  let engine: Dockerd;
  let cfg: ServiceConfigFile;
  let service: InProcessService;

  async function api<T = Record<string, unknown>>(path: string): Promise<T> {
    const response = await fetch(`${service.url}${path}`, {
      headers: { authorization: `Bearer ${cfg.apiToken}` },
    });
    expect(response.status, `${path}`).toBe(200);
    return (await response.json()) as T;
  }

  async function registryStatus(repository: string, reference: string): Promise<number> {
    const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
      method: 'HEAD',
      headers: {
        accept:
          'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
    });
    return response.status;
  }

  async function registryDigest(repository: string, tag: string): Promise<string | null> {
    const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: {
        accept:
          'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
    });
    return response.status === 200 ? response.headers.get('docker-content-digest') : null;
  }

  /** `docker push` and the manifest digest it reports. */
  async function push(reference: string): Promise<string> {
    const { stdout } = await engine.cli(['push', reference]);
    const match = /digest: (sha256:[a-f0-9]{64})/.exec(stdout);
    if (!match) throw new Error(`no digest in docker push output:\n${stdout}`);
    return match[1];
  }

  beforeAll(async () => {
    [stack, engine] = await Promise.all([
      // Low enough for one test image to hit: an image pushgate cannot judge is refused (fail-closed).
      startPushStack({ extra: { limits: { maxLayers: 4 } } }),
      startDockerd(),
    ]);
    ({ registry, cfg } = stack);
    service = await startInProcess('start', cfg.path);
    const single = join(stack.dir, 'single.tar');
    const multi = join(stack.dir, 'multi.tar');
    await writeDockerArchive(single, await buildSingleStageImage(), ['seed/single:1']);
    await writeDockerArchive(multi, await buildMultiStageImage(), ['seed/multi:1']);
    await engine.cli(['load', '-i', single]);
    await engine.cli(['load', '-i', multi]);
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all([engine?.stop(), stack?.stop()]);
  }, 60_000);

  it('rejects a single-stage image: manifest deleted, audit entry written, reasons in the API', async () => {
    const reference = `${registry.host}/prod/app:1.0`;
    await engine.cli(['tag', 'seed/single:1', reference]);
    const digest = await push(reference);

    const record = await waitForRecord(service.url, cfg.apiToken, digest, (r) =>
      (r.actions as Array<{ kind: string }>).some((a) => a.kind === 'delete'),
    );
    expect(record.decision).toBe('reject');
    expect(record.tags).toContain('1.0');
    const reasons = (record.reasons as string[]).join('\n');
    expect(reasons).toMatch(/no-compilers/);
    expect(reasons).toMatch(/no-secrets/);
    expect(reasons).toMatch(/non-root/);
    const deletion = (record.actions as Array<{ kind: string; outcome: string }>).find(
      (a) => a.kind === 'delete',
    );
    expect(deletion?.outcome).toBe('done');
    expect(await registryStatus('prod/app', digest)).toBe(404);
    expect(await registryStatus('prod/app', '1.0')).toBe(404);

    const audit = await api<{ entries: Array<Record<string, unknown>> }>(`/api/v1/audit?digest=${digest}`);
    expect(
      audit.entries.some((e) => e.type === 'action' && e.action === 'delete' && e.outcome === 'done'),
    ).toBe(true);
    expect(audit.entries.some((e) => e.type === 'verdict' && e.decision === 'reject')).toBe(true);
    // The secret was found but only ever stored redacted.
    const everything = JSON.stringify(record) + JSON.stringify(audit);
    expect(everything).not.toContain(SEED_STRIPE_KEY);
  }, 120_000);

  it('tags the multi-stage counterpart on pass, inspects a digest pushed under three tags once, and never loops on its own writes', async () => {
    const tags = ['2.0', '2.0.1', 'stable'];
    for (const tag of tags) await engine.cli(['tag', 'seed/multi:1', `${registry.host}/prod/api:${tag}`]);
    const digests = new Set<string>();
    for (const tag of tags) digests.add(await push(`${registry.host}/prod/api:${tag}`));
    expect(digests.size).toBe(1);
    const [digest] = [...digests];

    const record = await waitForRecord(service.url, cfg.apiToken, digest, (r) => {
      const actions = r.actions as Array<{ kind: string; detail: string }>;
      return tags.every((t) => actions.some((a) => a.kind === 'tag' && a.detail.includes(`${t}-verified`)));
    });
    expect(record.decision).toBe('pass');
    expect(new Set(record.tags as string[])).toEqual(new Set(tags));
    for (const tag of tags) expect(await registryDigest('prod/api', `${tag}-verified`)).toBe(digest);

    // The pass tags and the attached report fire push events of their own: let them all arrive.
    await new Promise((r) => setTimeout(r, 4000));
    const audit = await api<{ entries: Array<Record<string, unknown>> }>('/api/v1/audit?limit=1000');
    const verdicts = audit.entries.filter((e) => e.type === 'verdict');
    expect(verdicts.filter((e) => e.digest === digest)).toHaveLength(1);
    // Two images were pushed so far; nothing pushgate wrote was judged.
    expect(new Set(verdicts.map((e) => e.digest)).size).toBe(2);
    const images = await api<{ images: Array<{ repository: string }> }>('/api/v1/images?limit=100');
    expect(images.images.map((i) => i.repository).sort()).toEqual(['prod/api', 'prod/app']);
    const skipped = await api<{ entries: Array<Record<string, unknown>> }>(`/api/v1/audit?digest=${digest}`);
    // Each tag enforced on its own; the report attached once.
    expect(skipped.entries.filter((e) => e.action === 'attach')).toHaveLength(1);
    expect(skipped.entries.filter((e) => e.action === 'tag' && e.outcome === 'done')).toHaveLength(3);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(
      /pushgate_webhook_events_total\{source="distribution",outcome="own_write"\} [1-9]/,
    );
    await waitFor('no inspection left in the queue', async () => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      return (
        /pushgate_jobs\{queue="inspect",state="active"\} 0/.test(text) &&
        /pushgate_jobs\{queue="inspect",state="waiting"\} 0/.test(text)
      );
    });
  }, 120_000);

  it('deletes a rejected image again when the same tag is pushed again', async () => {
    const reference = `${registry.host}/prod/again:1`;
    await engine.cli(['tag', 'seed/single:1', reference]);
    const digest = await push(reference);
    const deletes = (r: Record<string, unknown>) =>
      (r.actions as Array<{ kind: string; outcome: string }>).filter(
        (a) => a.kind === 'delete' && a.outcome === 'done',
      ).length;
    await waitForRecord(service.url, cfg.apiToken, digest, (r) => deletes(r) === 1, 60_000, 'prod/again');
    expect(await registryStatus('prod/again', '1')).toBe(404);

    expect(await push(reference)).toBe(digest);
    await waitForRecord(service.url, cfg.apiToken, digest, (r) => deletes(r) === 2, 60_000, 'prod/again');
    expect(await registryStatus('prod/again', '1')).toBe(404);
    const audit = await api<{ entries: Array<Record<string, unknown>> }>(
      `/api/v1/audit?digest=${digest}&repository=prod/again`,
    );
    // Judged once, enforced twice.
    expect(audit.entries.filter((e) => e.type === 'verdict')).toHaveLength(1);
  }, 120_000);

  it("inspects an image whose tag merely looks like one of pushgate's own", async () => {
    const reference = `${registry.host}/prod/sneaky:1.0-verified`;
    await engine.cli(['tag', 'seed/single:1', reference]);
    const digest = await push(reference);
    const record = await waitForRecord(
      service.url,
      cfg.apiToken,
      digest,
      (r) => (r.actions as Array<{ kind: string }>).some((a) => a.kind === 'delete'),
      60_000,
      'prod/sneaky',
    );
    expect(record.repository).toBe('prod/sneaky');
    expect(record.decision).toBe('reject');
    expect(await registryStatus('prod/sneaky', '1.0-verified')).toBe(404);
  }, 120_000);

  it('judges an image whose config holds JSON nulls (history: [null], a null Env entry and label) and deletes it', async () => {
    // The same image with the nulls Docker and skopeo accept: before, fact gathering threw and the
    // image stayed in the registry with an `error` verdict.
    const hostile = await buildImage({
      format: 'oci',
      layers: [
        {
          createdBy: 'RUN apt-get install -y gcc',
          files: [
            { path: 'usr/bin/gcc-12', content: fakeElf('gcc-12'), mode: 0o755 },
            { path: 'app/.env', content: `STRIPE_SECRET_KEY=${SEED_STRIPE_KEY}\n` },
          ],
        },
      ],
      config: { Env: ['PATH=/usr/bin'], Labels: { maintainer: 'x' } },
      rawConfig: (config) => ({
        ...config,
        history: [null, ...(config.history as unknown[])],
        config: { Env: ['PATH=/usr/bin', null], Labels: { maintainer: null }, User: null },
      }),
    });
    const { digest } = await pushImage({ url: registry.url, repository: 'prod/nulls', tag: '1' }, hostile);
    const record = await waitForRecord(service.url, cfg.apiToken, digest, (r) =>
      (r.actions as Array<{ kind: string }>).some((a) => a.kind === 'delete'),
    );
    expect(record.decision).toBe('reject');
    expect(record.unjudged).toBeUndefined();
    const reasons = (record.reasons as string[]).join('\n');
    expect(reasons).toMatch(/no-compilers/);
    expect(reasons).toMatch(/no-secrets/);
    expect(await registryStatus('prod/nulls', digest)).toBe(404);
    expect(JSON.stringify(record)).not.toContain(SEED_STRIPE_KEY);
  }, 120_000);

  it('rejects an image it cannot judge (a limit hit) under fail-closed as UNJUDGED, and tags it rather than deleting it', async () => {
    const image = await buildImage({
      format: 'oci',
      layers: [1, 2, 3, 4, 5].map((n) => ({
        createdBy: `COPY part${n} /part${n}`,
        files: [{ path: `part${n}.txt`, content: `part ${n}\n`, uid: 65532, gid: 65532 }],
      })),
      config: { User: '65532:65532', Entrypoint: ['/part1.txt'] },
    });
    const { digest } = await pushImage({ url: registry.url, repository: 'prod/layers', tag: '1' }, image);
    const record = await waitForRecord(service.url, cfg.apiToken, digest, (r) =>
      (r.actions as Array<{ kind: string }>).some((a) => a.kind === 'tag'),
    );
    expect(record.decision).toBe('reject');
    expect(record.unjudged).toBe(true);
    expect((record.error as { code: string }).code).toBe('LAYER_LIMIT');
    expect((record.reasons as string[])[0]).toMatch(
      /^UNJUDGED: could not be inspected: LAYER_LIMIT: .*5 layers, more than the limit of 4/,
    );
    const actions = record.actions as Array<{ kind: string; outcome: string }>;
    expect(actions.map((a) => a.kind)).not.toContain('delete');
    // enforcement.rejectUnjudged: auto with reject: delete → the fail tag, never a plain delete.
    expect(await registryDigest('prod/layers', '1-rejected')).toBe(digest);
  }, 120_000);
});
