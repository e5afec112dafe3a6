import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { PushgateConfig } from '../../../src/config/types.js';
import type { FactExtractor } from '../../../src/facts/extractor.js';
import { enforceImage } from '../../../src/pipeline/enforce-image.js';
import { inspectImage } from '../../../src/pipeline/inspect-image.js';
import { createWorkerContext, type WorkerContext } from '../../../workers/worker-context.js';
import type { InspectJobData } from '../../../src/queue/job-types.js';
import { buildImage, pushImage } from '../../support/image-builder.js';
import { REPO_ROOT } from '../../support/run-cli.js';
import { startPushStack, writeServiceConfig, type PushStack } from '../../support/pushgate-service.js';

/**
 * Fail-closed means fail-closed: an unexpected exception while reading an image (a pushgate bug a
 * hostile image found) rejects it as UNJUDGED, and `enforcement.rejectUnjudged` decides what
 * happens in the registry. Infrastructure faults keep `error`. Runs inspect and enforce directly
 * on real Redis and a real registry, with one extractor that throws, as a bug would.
 */
describe('UNJUDGED: a failure to judge an image is a reject under fail-closed', () => {
  let stack: PushStack;

  beforeAll(async () => {
    stack = await startPushStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function contextFor(section: Record<string, unknown>): Promise<WorkerContext> {
    const cfg = await writeServiceConfig({
      dir: stack.dir,
      redisUrl: stack.redis.url,
      registryUrl: stack.registry.url,
      ...section,
    });
    const { config } = loadConfig({ path: cfg.path, env: {} });
    const ctx = await createWorkerContext(config as PushgateConfig, { component: 'test' });
    const broken: FactExtractor = {
      ...ctx.extractors[0],
      id: 'broken',
      assemble() {
        throw new TypeError("Cannot read properties of null (reading 'empty_layer')");
      },
    };
    return { ...ctx, extractors: [...ctx.extractors, broken] };
  }

  async function pushSmall(repository: string): Promise<string> {
    const image = await buildImage({
      layers: [{ files: [{ path: 'app/hello.txt', content: 'hello\n' }] }],
      config: { User: '65532' },
    });
    return (await pushImage({ url: stack.registry.url, repository, tag: '1' }, image)).digest;
  }

  function job(repository: string, digest: string): InspectJobData {
    return {
      source: 'distribution',
      registry: 'local',
      repository,
      digest,
      tag: '1',
      receivedAt: new Date().toISOString(),
    };
  }

  async function tagDigest(repository: string, tag: string): Promise<string | null> {
    const response = await fetch(`${stack.registry.url}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    return response.status === 200 ? response.headers.get('docker-content-digest') : null;
  }

  it('an INTERNAL error rejects the image as UNJUDGED and tags it (rejectUnjudged: auto, reject: delete)', async () => {
    const ctx = await contextFor({});
    try {
      const digest = await pushSmall('prod/broken');
      const data = job('prod/broken', digest);
      await expect(inspectImage(data, ctx, { jobId: 'job-internal', number: 1, last: true })).rejects.toThrow(
        /INTERNAL|Cannot read properties/,
      );
      const record = await ctx.store.get(digest, { registry: 'local', repository: 'prod/broken' });
      expect(record?.decision).toBe('reject');
      expect(record?.unjudged).toBe(true);
      expect(record?.error?.code).toBe('INTERNAL');
      expect(record?.reasons[0]).toMatch(/^UNJUDGED: could not be inspected: INTERNAL: .*empty_layer/);

      const result = await enforceImage(
        { registry: data.registry, repository: data.repository, digest, tag: '1', phase: 'verdict' },
        ctx,
      );
      expect(JSON.stringify(result)).not.toMatch(/"delete"/);
      expect(await tagDigest('prod/broken', '1')).toBe(digest);
      expect(await tagDigest('prod/broken', '1-rejected')).toBe(digest);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it('follows rejectUnjudged: delete when the operator asks for it', async () => {
    const ctx = await contextFor({ enforcement: { rejectUnjudged: 'delete' } });
    try {
      const digest = await pushSmall('prod/broken-delete');
      const data = job('prod/broken-delete', digest);
      await expect(inspectImage(data, ctx, { jobId: 'job-del', number: 1, last: true })).rejects.toThrow();
      await enforceImage(
        { registry: data.registry, repository: data.repository, digest, tag: '1', phase: 'verdict' },
        ctx,
      );
      expect(await tagDigest('prod/broken-delete', '1')).toBeNull();
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it('under fail-open the same failure is an error and changes nothing', async () => {
    const ctx = await contextFor({
      extra: { policies: { paths: [join(REPO_ROOT, 'policies')], onError: 'fail-open' } },
    });
    try {
      const digest = await pushSmall('prod/broken-open');
      const data = job('prod/broken-open', digest);
      await expect(inspectImage(data, ctx, { jobId: 'job-open', number: 1, last: true })).rejects.toThrow();
      const record = await ctx.store.get(digest, { registry: 'local', repository: 'prod/broken-open' });
      expect(record?.decision).toBe('error');
      expect(record?.unjudged).toBeUndefined();
      await enforceImage(
        { registry: data.registry, repository: data.repository, digest, tag: '1', phase: 'verdict' },
        ctx,
      );
      expect(await tagDigest('prod/broken-open', '1')).toBe(digest);
      expect(await tagDigest('prod/broken-open', '1-rejected')).toBeNull();
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it('a raw Redis/queue failure is not the image fault: the stored verdict stays, no UNJUDGED', async () => {
    const base = await contextFor({});
    const ctx: WorkerContext = {
      ...base,
      extractors: base.extractors.filter((e) => e.id !== 'broken'),
      enqueueEnforce: () => Promise.reject(new Error('Connection is closed.')),
    };
    try {
      const digest = await pushSmall('prod/queue-down');
      const data = job('prod/queue-down', digest);
      await expect(inspectImage(data, ctx, { jobId: 'job-queue', number: 1, last: true })).rejects.toThrow(
        /Connection is closed/,
      );
      const record = await ctx.store.get(digest, { registry: 'local', repository: 'prod/queue-down' });
      expect(record?.unjudged).toBeUndefined();
      expect(record?.error).toBeUndefined();
      expect(['pass', 'warn', 'tag', 'reject']).toContain(record?.decision);
    } finally {
      await base.close();
    }
  }, 60_000);

  it('an infrastructure fault (the registry gone) stays error under fail-closed', async () => {
    const ctx = await contextFor({});
    try {
      const digest = await pushSmall('prod/gone');
      const data = job('prod/gone', digest);
      // The manifest deleted before inspection: REGISTRY_NOT_FOUND is not the image's fault.
      await fetch(`${stack.registry.url}/v2/prod/gone/manifests/${digest}`, { method: 'DELETE' });
      await expect(inspectImage(data, ctx, { jobId: 'job-gone', number: 1, last: true })).rejects.toThrow();
      const record = await ctx.store.get(digest, { registry: 'local', repository: 'prod/gone' });
      expect(record?.decision).toBe('error');
      expect(record?.error?.code).toBe('REGISTRY_NOT_FOUND');
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
