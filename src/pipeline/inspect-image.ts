import { availableParallelism } from 'node:os';
import { ownWriteSkip } from '../actions/own-writes.js';
import { isPermanent, isUnjudgeable, PushgateError, readingFault, withContext } from '../errors.js';
import { gatherFacts } from '../facts/gather-facts.js';
import { parseReference } from '../oci/reference.js';
import { formatPlatform } from '../oci/manifest.js';
import { isImageManifestMediaType } from '../oci/media-types.js';
import { RegistrySource } from '../image/registry-source.js';
import { evaluate } from '../policy/evaluate.js';
import type { PlatformFacts } from '../facts/gather-facts.js';
import type { InspectJobData, InspectJobResult } from '../queue/job-types.js';
import type { ImageRecord } from '../store/types.js';
import { artifactReason } from './artifact-check.js';
import { auditOf, verdictRecord } from './image-record.js';
import { queueEnforcement, type Attempt, type InspectContext } from './inspect-context.js';
import { acquireInspection } from './inspection-lock.js';
import { markManifestMissing } from './missing-manifest.js';
import { recordFailure } from './record-failure.js';

/**
 * What the `inspect` queue runs for one push: resolve the tag, skip pushgate's own writes, take the
 * image's inspection lock (or reuse the verdict another job reached), judge it, store the record
 * and queue its enforcement. A failure that retrying cannot fix, or one on the last attempt, is
 * recorded (`recordFailure`) and thrown marked final (`retryable: false`).
 */
export async function inspectImage(
  data: InspectJobData,
  ctx: InspectContext,
  attempt: Attempt,
): Promise<InspectJobResult> {
  const registry = ctx.clients.config(data.registry);
  const client = ctx.clients.client(data.registry);
  const name = `${registry.host}/${data.repository}`;
  let digest = data.digest;
  const started = Date.now();
  try {
    if (digest === undefined) {
      if (data.tag === undefined)
        throw new PushgateError('REFERENCE_INVALID', `${name}: event has neither tag nor digest`);
      digest = (await client.headManifest(data.repository, data.tag)).digest;
    }
    // A tag or quarantine copy pushgate itself just wrote: nothing to judge.
    const ownWrite = await ownWriteSkip(ctx.ownWrites, data, digest);
    if (ownWrite !== undefined) return { outcome: 'skipped', digest, reason: ownWrite };
    if (data.tag !== undefined) await ctx.store.addTags(data.registry, data.repository, digest, [data.tag]);

    const subject = `${data.registry}/${data.repository}@${digest}`;
    const inspection = await acquireInspection(ctx, subject, data, digest);
    if ('judged' in inspection) {
      // Already judged (another tag of this digest, or a re-push): apply the verdict to this push.
      await queueEnforcement(ctx, inspection.judged, data, attempt, 'push');
      return {
        outcome: 'skipped',
        digest,
        reason: 'already inspected under this policy set; enforcement queued',
      };
    }
    try {
      return await inspectLocked(data, ctx, digest, name, started, attempt);
    } finally {
      await inspection.release();
    }
  } catch (caught) {
    const error = withContext(`inspect ${name}@${digest ?? data.tag ?? '?'}`, caught);
    if (isPermanent(error) || attempt.last) {
      // Final: the failure is recorded, and the job fails now instead of spending its retries.
      await recordFailure(ctx, data, digest, error, isUnjudgeable(caught), Date.now() - started, attempt);
      throw new PushgateError(error.code, error.message, {
        cause: error,
        transient: error.transient,
        retryable: false,
        ...(error.details !== undefined ? { details: error.details } : {}),
      });
    }
    throw error;
  }
}

/** Judges the image while holding its lock: resolve, gather facts, evaluate, store, enforce. */
async function inspectLocked(
  data: InspectJobData,
  ctx: InspectContext,
  digest: string,
  name: string,
  started: number,
  attempt: Attempt,
): Promise<InspectJobResult> {
  const registry = ctx.clients.config(data.registry);
  const read = await reading(() => readImage(data, ctx, digest, name));
  if ('skipped' in read) return read.skipped;
  const { platforms } = read;
  const tags = await ctx.store.tags(data.registry, data.repository, digest);
  const tag = data.tag ?? tags[0];
  const record = await reading(async (): Promise<ImageRecord> => {
    const verdicts = platforms.map((p) =>
      evaluate(
        ctx.policySet.compiled,
        p.facts,
        {
          digest: p.manifestDigest ?? digest,
          image: tag ? `${name}:${tag}` : `${name}@${digest}`,
          registry: registry.host,
          repository: data.repository,
          ...(tag !== undefined ? { tag } : {}),
          platform: p.platform,
        },
        { onError: ctx.config.policies.onError, policySetVersion: ctx.policySet.version },
      ),
    );
    return verdictRecord(
      {
        registry: data.registry,
        registryHost: registry.host,
        repository: data.repository,
        digest,
        tags,
        policySetVersion: ctx.policySet.version,
        scanMs: Date.now() - started,
      },
      verdicts,
      platforms,
    );
  });
  // Facts first: a failure to store them fails the job before the verdict makes a retry skip it.
  await ctx.facts.put(
    digest,
    platforms.map((p) => ({ digest: p.manifestDigest ?? digest, platform: p.platform, facts: p.facts })),
  );
  await ctx.store.put(record);
  await ctx.metrics.recordScan({
    durationMs: record.scanMs,
    bytesRead: platforms.reduce((n, p) => n + p.stats.compressedBytesRead, 0),
    layersRead: platforms.reduce((n, p) => n + p.stats.layersRead, 0),
    layersCached: platforms.reduce((n, p) => n + p.stats.layersCached, 0),
    decision: record.decision,
  });
  await ctx.audit.append(auditOf(record, data));
  ctx.logger.info(
    {
      registry: data.registry,
      repository: data.repository,
      digest,
      decision: record.decision,
      ms: record.scanMs,
    },
    'image inspected',
  );
  await queueEnforcement(ctx, record, data, attempt, 'verdict');
  return { outcome: 'inspected', digest, decision: record.decision };
}

/**
 * Reads the image and gathers its facts. What fails in here is the image's doing, or pushgate's on
 * this image, or the network's — never Redis's (the layer cache swallows its own failures).
 */
async function readImage(
  data: InspectJobData,
  ctx: InspectContext,
  digest: string,
  name: string,
): Promise<{ skipped: InspectJobResult } | { platforms: PlatformFacts[] }> {
  const client = ctx.clients.client(data.registry);
  const top = await client.getManifest(data.repository, digest).catch((err: unknown) => {
    throw markManifestMissing(err);
  });
  const artifact = artifactReason(safeJson(top.body));
  if (artifact) return { skipped: { outcome: 'skipped', digest, reason: artifact } };
  // The sender's quirk (see WebhookAdapter.untaggedManifestsBelongToIndex): this platform manifest
  // is judged as part of the index pushed next.
  if (
    data.untaggedManifestsBelongToIndex &&
    data.tag === undefined &&
    !data.force &&
    isImageManifestMediaType(top.mediaType)
  ) {
    return {
      skipped: {
        outcome: 'skipped',
        digest,
        reason: 'untagged image manifest (a platform of an index pushed next)',
      },
    };
  }

  const source = new RegistrySource(parseReference(`${name}@${digest}`), client);
  const resolved = await source.resolve();
  // Checked before any layer is read: a 10,000-layer image is refused without downloading it.
  for (const platform of resolved.platforms) {
    if (platform.layers.length > ctx.config.limits.maxLayers) {
      throw new PushgateError(
        'LAYER_LIMIT',
        `${name}@${digest} (${formatPlatform(platform.platform)}): ${platform.layers.length} layers, more than the limit of ${ctx.config.limits.maxLayers}`,
      );
    }
  }
  const platforms = await withTimeout(
    (signal) =>
      gatherFacts(resolved, {
        extractors: ctx.extractors,
        cache: ctx.layerCache,
        threads: layerThreadsPay(ctx.config.workers.inspectConcurrency, availableParallelism()),
        limits: {
          maxLayerUncompressedBytes: ctx.config.limits.maxLayerBytes,
          maxEntriesPerLayer: ctx.config.limits.maxLayerEntries,
          maxImageUncompressedBytes: ctx.config.limits.maxImageBytes,
          maxImageCompressedBytes: ctx.config.limits.maxImageBytes,
        },
        signal,
      }),
    ctx.config.limits.scanTimeoutMs,
    `inspect ${name}@${digest}`,
  );
  return { platforms };
}

/**
 * Whether an inspection should read layers in worker threads: only when the concurrent
 * inspections leave a core idle. With as many inspections as cores, a thread adds an isolate
 * (about 60 MiB per inspector) for no measurable gain: bench:memory on 2 cores, trees of 631 and
 * 1180 MiB at 2 and 4 inspections with threads, 530 and 892 MiB without, scan times within the
 * run-to-run noise.
 */
export function layerThreadsPay(inspectConcurrency: number, cores: number): boolean {
  return inspectConcurrency < cores;
}

/**
 * Runs one step of reading or judging an image: an unexpected exception there is INTERNAL (which
 * fail-closed rejects as UNJUDGED), a dropped connection REGISTRY_UNREACHABLE. Redis and queue
 * calls stay outside, so their raw failures are never taken for the image's.
 */
async function reading<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw readingFault('reading the image', err);
  }
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Runs `work` until `ms` have passed, then aborts its signal (the layer walks stop) and fails. */
async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new PushgateError(
        'SCAN_TIMEOUT',
        `${what}: not finished after ${Math.round(ms / 1000)} s`,
      );
      controller.abort(error);
      reject(error);
    }, ms);
  });
  const running = work(controller.signal);
  // The race's loser still settles; its rejection is already reported through the timeout.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
