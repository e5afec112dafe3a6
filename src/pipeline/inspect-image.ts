import { ownWriteSkip, type OwnWriteMarkers } from '../actions/own-writes.js';
import type { PushgateConfig } from '../config/types.js';
import { isPermanent, isUnjudgeable, PushgateError, withContext } from '../errors.js';
import type { FactExtractor } from '../facts/extractor.js';
import { gatherFacts, type PlatformFacts } from '../facts/gather-facts.js';
import type { LayerCache } from '../facts/layer-cache.js';
import { parseReference } from '../image/reference.js';
import { formatPlatform } from '../image/manifest.js';
import { isImageManifestMediaType } from '../image/media-types.js';
import { RegistrySource } from '../image/registry-source.js';
import { evaluate, strongestDecision } from '../policy/evaluate.js';
import type { Verdict } from '../policy/types.js';
import type { InspectJobData, InspectJobResult } from '../queue/job-types.js';
import type { Logger } from '../logger.js';
import type { AuditEntry, FactsSummary, ImageRecord } from '../store/types.js';
import { artifactReason } from './artifact-check.js';
import type { PolicySet } from './load-policy-set.js';
import type { RegistryClients } from './registry-clients.js';

/** What inspection needs; built once per worker process (see workers/worker-context.ts). */
export interface InspectContext {
  config: PushgateConfig;
  logger: Logger;
  clients: RegistryClients;
  policySet: PolicySet;
  extractors: readonly FactExtractor[];
  layerCache: LayerCache;
  store: {
    get(digest: string, where: { registry: string; repository: string }): Promise<ImageRecord | undefined>;
    put(record: ImageRecord): Promise<void>;
    addTags(registry: string, repository: string, digest: string, tags: string[]): Promise<void>;
    tags(registry: string, repository: string, digest: string): Promise<string[]>;
  };
  audit: { append(entry: AuditEntry): Promise<unknown> };
  metrics: {
    recordScan(scan: {
      durationMs: number;
      bytesRead: number;
      layersRead: number;
      layersCached: number;
      decision: string;
    }): Promise<void>;
  };
  /** Queues the enforcement that follows this inspect job (one per delivery). */
  enqueueEnforce(
    record: ImageRecord,
    job: { inspectJobId: string; tag?: string; phase: 'verdict' | 'push' },
  ): Promise<void>;
  /** Leases last `workers.lockDurationMs`, like BullMQ's own job locks, renewed while held. */
  lock: { acquire(subject: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> };
  ownWrites: Pick<OwnWriteMarkers, 'isExpected'>;
}

export interface Attempt {
  /** The inspect job's id (the enforcement job's id derives from it). */
  jobId: string;
  /** 1 for the first run. */
  number: number;
  /** No retry follows this attempt: a failure now is final. */
  last: boolean;
}

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
      await ctx.enqueueEnforce(inspection.judged, {
        inspectJobId: attempt.jobId,
        ...(data.tag !== undefined ? { tag: data.tag } : {}),
        phase: 'push',
      });
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
      await recordFailure(ctx, data, digest, error, Date.now() - started, attempt);
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

/** The verdict for this policy set that a new event need not redo (`error` and UNJUDGED are retried). */
async function judgedRecord(
  ctx: InspectContext,
  data: InspectJobData,
  digest: string,
): Promise<ImageRecord | undefined> {
  if (data.force) return undefined;
  const existing = await ctx.store.get(digest, { registry: data.registry, repository: data.repository });
  return existing !== undefined &&
    existing.policySetVersion === ctx.policySet.version &&
    existing.decision !== 'error' &&
    existing.unjudged !== true
    ? existing
    : undefined;
}

/**
 * Takes the image's inspection lock, or waits while another worker inspects it; `judged` carries
 * the usable verdict found before or after waiting.
 */
async function acquireInspection(
  ctx: InspectContext,
  subject: string,
  data: InspectJobData,
  digest: string,
): Promise<{ judged: ImageRecord } | { release: () => Promise<void> }> {
  const deadline = Date.now() + ctx.config.limits.scanTimeoutMs + 60_000;
  for (;;) {
    const before = await judgedRecord(ctx, data, digest);
    if (before) return { judged: before };
    const release = await ctx.lock.acquire(subject, ctx.config.workers.lockDurationMs);
    if (release) {
      // The holder may have finished between our check and our acquire.
      const after = await judgedRecord(ctx, data, digest);
      if (after) {
        await release();
        return { judged: after };
      }
      return { release };
    }
    if (Date.now() > deadline) {
      throw new PushgateError('SCAN_TIMEOUT', `${subject}: another inspection held the lock for too long`, {
        transient: true,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function inspectLocked(
  data: InspectJobData,
  ctx: InspectContext,
  digest: string,
  name: string,
  started: number,
  attempt: Attempt,
): Promise<InspectJobResult> {
  const registry = ctx.clients.config(data.registry);
  const client = ctx.clients.client(data.registry);
  const top = await client.getManifest(data.repository, digest);
  const artifact = artifactReason(safeJson(top.body));
  if (artifact) return { outcome: 'skipped', digest, reason: artifact };
  // The sender's quirk (see WebhookAdapter.untaggedManifestsBelongToIndex): this platform manifest
  // is judged as part of the index pushed next.
  if (
    data.untaggedManifestsBelongToIndex &&
    data.tag === undefined &&
    !data.force &&
    isImageManifestMediaType(top.mediaType)
  ) {
    return {
      outcome: 'skipped',
      digest,
      reason: 'untagged image manifest (a platform of an index pushed next)',
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
  const tags = await ctx.store.tags(data.registry, data.repository, digest);
  const tag = data.tag ?? tags[0];
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
  const record: ImageRecord = {
    registry: data.registry,
    registryHost: registry.host,
    repository: data.repository,
    digest,
    tags,
    decision: strongestDecision(verdicts.map((v) => v.decision)),
    reasons: reasonsOf(verdicts),
    verdicts,
    facts: summarise(platforms),
    actions: [],
    policySetVersion: ctx.policySet.version,
    evaluatedAt: new Date().toISOString(),
    scanMs: Date.now() - started,
  };
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
  await ctx.enqueueEnforce(record, {
    inspectJobId: attempt.jobId,
    ...(data.tag !== undefined ? { tag: data.tag } : {}),
    phase: 'verdict',
  });
  return { outcome: 'inspected', digest, decision: record.decision };
}

/**
 * A final failure still leaves a record, so the API and admission can say why, and is enforced
 * like any verdict. Under `policies.onError: fail-closed` an image that cannot be judged (an image
 * fault, or an unexpected exception while reading it: `isUnjudgeable`) is rejected with the reason
 * UNJUDGED; the registry action for it is `enforcement.rejectUnjudged`. Infrastructure faults
 * (Redis, the registry, credentials, configuration) record `error` and change nothing. A failed
 * forced re-scan does not replace a verdict the image already had.
 */
async function recordFailure(
  ctx: InspectContext,
  data: InspectJobData,
  digest: string | undefined,
  error: PushgateError,
  scanMs: number,
  attempt: Attempt,
): Promise<void> {
  ctx.logger.warn(
    { registry: data.registry, repository: data.repository, digest, code: error.code, err: error.message },
    'inspection failed',
  );
  if (digest === undefined) return;
  const existing = await ctx.store.get(digest, { registry: data.registry, repository: data.repository });
  if (data.force && existing && existing.decision !== 'error') return;
  const registry = ctx.clients.config(data.registry);
  const unjudged = ctx.config.policies.onError === 'fail-closed' && isUnjudgeable(error);
  const record: ImageRecord = {
    registry: data.registry,
    registryHost: registry.host,
    repository: data.repository,
    digest,
    tags: await ctx.store.tags(data.registry, data.repository, digest),
    decision: unjudged ? 'reject' : 'error',
    ...(unjudged ? { unjudged: true } : {}),
    reasons: [`${unjudged ? 'UNJUDGED: ' : ''}could not be inspected: ${error.code}: ${error.message}`],
    verdicts: [],
    facts: summarise([]),
    actions: [],
    policySetVersion: ctx.policySet.version,
    evaluatedAt: new Date().toISOString(),
    scanMs,
    error: { code: error.code, message: error.message },
  };
  await ctx.store.put(record);
  await ctx.audit.append(auditOf(record, data));
  await ctx.enqueueEnforce(record, {
    inspectJobId: attempt.jobId,
    ...(data.tag !== undefined ? { tag: data.tag } : {}),
    phase: 'verdict',
  });
}

function auditOf(record: ImageRecord, data: InspectJobData): AuditEntry {
  return {
    time: record.evaluatedAt,
    type: 'verdict',
    registry: record.registry,
    repository: record.repository,
    digest: record.digest,
    ...(data.tag !== undefined ? { tag: data.tag } : {}),
    decision: record.decision,
    detail: record.reasons.slice(0, 5).join('; ').slice(0, 1000),
    ...(data.eventId !== undefined ? { ref: data.eventId } : {}),
  };
}

/** One line per violation of a failing enforce policy (waived ones left out). */
export function reasonsOf(verdicts: readonly Verdict[]): string[] {
  const reasons = new Set<string>();
  for (const verdict of verdicts) {
    for (const policy of verdict.policies) {
      if (policy.mode !== 'enforce') continue;
      if (policy.result === 'error')
        reasons.add(`${policy.name}: could not be evaluated: ${policy.error ?? ''}`);
      if (policy.result !== 'fail' && policy.result !== 'warn') continue;
      for (const violation of policy.violations) {
        if (violation.waived) continue;
        reasons.add(`${policy.name}/${violation.rule} (${violation.severity}): ${violation.message}`);
      }
    }
  }
  return [...reasons];
}

function names(findings: ReadonlyArray<{ name: string }> | undefined): string[] {
  return [...new Set((findings ?? []).map((f) => f.name))].sort();
}

export function summarise(platforms: readonly PlatformFacts[]): FactsSummary {
  const first = platforms[0]?.facts;
  return {
    platforms: platforms.map((p) => p.platform),
    ...(first?.user?.name != null
      ? { user: first.user.name }
      : first?.user?.uid != null
        ? { user: String(first.user.uid) }
        : {}),
    compilers: [...new Set(platforms.flatMap((p) => names(p.facts.compilers)))].sort(),
    shells: [...new Set(platforms.flatMap((p) => names(p.facts.shells)))].sort(),
    packageManagers: [...new Set(platforms.flatMap((p) => names(p.facts.packageManagers)))].sort(),
    secrets: platforms.reduce((n, p) => n + (p.facts.secrets?.findings.length ?? 0), 0),
    sizeBytes: platforms.reduce((n, p) => n + p.facts.totals.compressedSize, 0),
    layers: platforms.reduce((n, p) => n + p.facts.totals.layerCount, 0),
  };
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
