import { withSenderQuirks } from '../../../src/queue/sender-quirks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { PushgateConfig } from '../../../src/config/types.js';
import { inspectImage } from '../../../src/pipeline/inspect-image.js';
import type { InspectJobData } from '../../../src/queue/job-types.js';
import { createWorkerContext, type WorkerContext } from '../../../workers/worker-context.js';
import { buildImage, pushImage } from '../../support/image-builder.js';
import { startPushStack, writeServiceConfig, type PushStack } from '../../support/pushgate-service.js';

/**
 * A sender that notifies every platform manifest of a multi-platform push (distribution, ACR)
 * says so on its adapter; the flag rides the job, and inspection leaves an untagged image manifest
 * to the index's inspection. Runs inspect directly on real Redis and a real registry.
 */
describe('untagged platform manifests from a per-manifest sender', () => {
  let stack: PushStack;
  let ctx: WorkerContext;
  let digest: string;

  beforeAll(async () => {
    stack = await startPushStack();
    const cfg = await writeServiceConfig({
      dir: stack.dir,
      redisUrl: stack.redis.url,
      registryUrl: stack.registry.url,
    });
    const { config } = loadConfig({ path: cfg.path, env: {} });
    ctx = await createWorkerContext(config as PushgateConfig, { component: 'test' });
    const image = await buildImage({
      layers: [{ files: [{ path: 'app/hello.txt', content: 'hello\n' }] }],
      config: { User: '65532' },
    });
    digest = (await pushImage({ url: stack.registry.url, repository: 'prod/multi', tag: '1' }, image)).digest;
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
    await stack?.stop();
  });

  function job(extra: Partial<InspectJobData>): InspectJobData {
    return {
      source: 'distribution',
      registry: 'local',
      repository: 'prod/multi',
      digest,
      receivedAt: new Date().toISOString(),
      ...extra,
    };
  }

  it('skips the untagged image manifest when the job carries the quirk', async () => {
    const result = await inspectImage(job({ untaggedManifestsBelongToIndex: true }), ctx, {
      jobId: 'job-quirk',
      number: 1,
      last: true,
    });
    expect(result).toEqual({
      outcome: 'skipped',
      digest,
      reason: 'untagged image manifest (a platform of an index pushed next)',
    });
  }, 60_000);

  it('skips it for a job queued before the flag existed, from a sender that had the quirk', async () => {
    // As the worker runs it: the adapter fills in the quirk the job predates.
    const result = await inspectImage(withSenderQuirks(job({})), ctx, {
      jobId: 'job-legacy',
      number: 1,
      last: true,
    });
    expect(result).toMatchObject({ outcome: 'skipped', digest });
  }, 60_000);

  it('inspects it when the sender has no such quirk', async () => {
    const result = await inspectImage(job({ source: 'dockerhub' }), ctx, {
      jobId: 'job-plain',
      number: 1,
      last: true,
    });
    expect(result).toMatchObject({ outcome: 'inspected', digest });
  }, 60_000);
});
