import express, { Router } from 'express';
import type { PushgateConfig, RegistryConfig } from '../../config/types.js';
import { isDigest } from '../../oci/digest.js';
import { parseReference } from '../../oci/reference.js';
import { findRegistryByHost } from '../../config/registry-hosts.js';
import { isRecord } from '../../is-record.js';
import type { Queues } from '../../queue/create-queues.js';
import { JOB_ID_PATTERN } from '../../queue/job-id.js';
import { toInspectJob } from '../../queue/to-inspect-job.js';
import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import type { PolicySet } from '../../pipeline/load-policy-set.js';
import type { AuditEntry, ImageRecord } from '../../store/types.js';
import { PushgateError } from '../../errors.js';
import { sendError } from '../http-error.js';
import { listAdmissions, type AdmittedWorkloadsDeps } from '../../pipeline/admitted-workloads.js';
import { DEFAULT_LIST_LIMIT } from '../../store/verdict-store.js';
import { breakGlassProblems, namespaceProblem, type BreakGlassStore } from '../../store/break-glass.js';

export interface ApiDeps {
  config: PushgateConfig;
  /** False while the queue's Redis connection is down: queue calls would wait for it. */
  queueReady: () => boolean;
  queues: Pick<Queues, 'inspect'>;
  policySet: PolicySet;
  store: {
    get(digest: string, where?: { registry?: string; repository?: string }): Promise<ImageRecord | undefined>;
    /** Every stored image with this digest, most recent first. */
    getAll(digest: string): Promise<ImageRecord[]>;
    list(query: {
      registry?: string;
      repository?: string;
      limit?: number;
      before?: string;
    }): Promise<{ items: ImageRecord[]; next?: string }>;
    tags(registry: string, repository: string, digest: string): Promise<string[]>;
  };
  /** What the admission webhook admitted (listed with each digest's current verdict). */
  admitted: AdmittedWorkloadsDeps['admitted'];
  breakGlass: Pick<BreakGlassStore, 'list' | 'grant' | 'revoke'>;
  audit: {
    list(query: { limit?: number; before?: string; repository?: string; digest?: string }): Promise<{
      entries: AuditEntry[];
      next?: string;
    }>;
  };
}

function queryString(value: unknown, name: string, max = 512): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new PushgateError(
      'BAD_REQUEST',
      `query parameter ${name} must be a non-empty string of at most ${max} characters`,
    );
  }
  return value;
}

function queryLimit(value: unknown, max: number): number | undefined {
  const text = queryString(value, 'limit', 6);
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new PushgateError('BAD_REQUEST', `limit must be an integer from 1 to ${max}`);
  }
  return limit;
}

/** The configured registry a reference's host names (its host or an alias), or a 422. */
function registryFor(config: PushgateConfig, host: string): RegistryConfig {
  const registry = findRegistryByHost(config.registries, host);
  if (!registry) {
    throw new PushgateError('REGISTRY_NOT_CONFIGURED', `registry ${host.slice(0, 255)} is not configured`);
  }
  return registry;
}

export function apiRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/images/:digest', async (req, res) => {
    const digest = String(req.params.digest);
    if (!isDigest(digest))
      throw new PushgateError('BAD_REQUEST', 'digest must be sha256:<64 hex> (or sha512)');
    const registry = queryString(req.query.registry, 'registry');
    const repository = queryString(req.query.repository, 'repository');
    let record: ImageRecord | undefined;
    if (registry !== undefined && repository !== undefined) {
      record = await deps.store.get(digest, { registry, repository });
    } else {
      // The same digest pushed to several repositories has a verdict (and actions) in each: the
      // caller names one, never gets whichever was judged last.
      const records = (await deps.store.getAll(digest)).filter(
        (r) =>
          (registry === undefined || r.registry === registry) &&
          (repository === undefined || r.repository === repository),
      );
      if (records.length > 1) {
        const images = records.map((r) => ({
          registry: r.registry,
          repository: r.repository,
          decision: r.decision,
          evaluatedAt: r.evaluatedAt,
        }));
        const names = images.slice(0, 10).map((i) => `${i.registry}/${i.repository}`);
        if (images.length > 10) names.push(`+${images.length - 10} more`);
        const hint = repository === undefined ? '?repository=' : '?registry=';
        sendError(
          res,
          'AMBIGUOUS_DIGEST',
          `${digest} has verdicts in ${images.length} repositories (${names.join(', ')}): add ${hint} to choose one`,
          { images },
        );
        return;
      }
      record = records[0];
    }
    if (!record) throw new PushgateError('NOT_FOUND', `no verdict for ${digest}`);
    const tags = await deps.store.tags(record.registry, record.repository, record.digest);
    res.json({ ...record, tags: [...new Set([...record.tags, ...tags])] });
  });

  router.get('/images', async (req, res) => {
    const registry = queryString(req.query.registry, 'registry');
    const repository = queryString(req.query.repository, 'repository');
    const before = queryString(req.query.before, 'before', 2048);
    const limit = queryLimit(req.query.limit, 500);
    const page = await deps.store.list({
      ...(registry ? { registry } : {}),
      ...(repository ? { repository } : {}),
      ...(before ? { before } : {}),
      ...(limit ? { limit } : {}),
    });
    res.json({
      images: page.items.map((r) => ({
        registry: r.registry,
        repository: r.repository,
        digest: r.digest,
        tags: r.tags,
        decision: r.decision,
        reasons: r.reasons,
        facts: r.facts,
        evaluatedAt: r.evaluatedAt,
      })),
      ...(page.next ? { next: page.next } : {}),
    });
  });

  router.get('/admissions', async (req, res) => {
    const decision = queryString(req.query.decision, 'decision', 16);
    const before = queryString(req.query.before, 'before', 4096);
    const limit = queryLimit(req.query.limit, 500);
    const page = await listAdmissions(
      { admitted: deps.admitted, verdicts: { get: (digest) => deps.store.get(digest) } },
      {
        ...(decision ? { decision } : {}),
        ...(before ? { before } : {}),
        limit: limit ?? DEFAULT_LIST_LIMIT,
      },
    );
    res.json(page);
  });

  const requireQueue: express.RequestHandler = (_req, _res, next) => {
    if (!deps.queueReady())
      throw new PushgateError('UNAVAILABLE', 'the queue (Redis) is unreachable; retry later');
    next();
  };

  router.post('/scans', requireQueue, express.json({ limit: '16kb' }), async (req, res) => {
    const body: unknown = req.body;
    if (!isRecord(body))
      throw new PushgateError('BAD_REQUEST', 'body must be a JSON object { "reference": "host/repo:tag" }');
    const reference = body.reference;
    if (typeof reference !== 'string' || reference.length === 0 || reference.length > 1024) {
      throw new PushgateError(
        'BAD_REQUEST',
        'reference must be an image reference such as registry.example.com/team/app:1.0',
      );
    }
    let parsed;
    try {
      parsed = parseReference(reference);
    } catch (error) {
      throw new PushgateError('BAD_REQUEST', error instanceof Error ? error.message : String(error));
    }
    const registry = registryFor(deps.config, parsed.registry);
    const job = toInspectJob(
      {
        source: 'api',
        registry: registry.name,
        repository: parsed.repository,
        // A digest names the image; a tag beside it is only a label.
        ...(parsed.digest ? { digest: parsed.digest } : parsed.tag ? { tag: parsed.tag } : {}),
        receivedAt: new Date().toISOString(),
      },
      {
        policySetVersion: deps.policySet.version,
        force: true,
        // A manual scan is always a fresh job, even for a digest inspected before.
        eventKey: `api=${randomUUID()}`,
      },
    );
    await deps.queues.inspect.add(job.name, job.data, job.opts);
    res.status(202).json({
      jobId: job.opts.jobId,
      registry: registry.name,
      repository: parsed.repository,
      tag: parsed.tag,
      digest: parsed.digest,
    });
  });

  router.get('/scans/:jobId', requireQueue, async (req, res) => {
    const id = String(req.params.jobId);
    // Only ids pushgate hands out: BullMQ keeps its own bookkeeping under other names.
    if (!JOB_ID_PATTERN.test(id) || !id.startsWith('inspect-')) {
      throw new PushgateError('BAD_REQUEST', 'not a scan job id');
    }
    // The state first, then the job: a job's result (or failure) and its move to completed (or
    // failed) are one write, so a job read after it holds what that state promises (it may be
    // newer: a result while still `active`). In the other order a job finishing in between
    // answered `completed` with no result.
    const state = await deps.queues.inspect.getJobState(id);
    const job = state === 'unknown' ? undefined : await deps.queues.inspect.getJob(id);
    if (!job) throw new PushgateError('NOT_FOUND', 'no such scan job');
    res.json({
      jobId: job.id,
      state,
      attemptsMade: job.attemptsMade,
      result: job.returnvalue ?? null,
      failedReason: job.failedReason ?? null,
      data: job.data,
    });
  });

  router.get('/policies', (_req, res) => {
    res.json({
      version: deps.policySet.version,
      policies: deps.policySet.policies.map(({ policy, source }) => ({
        name: policy.metadata.name,
        description: policy.metadata.description,
        // What an image no scoped `modes` entry contains gets: a catch-all entry wins over `mode`.
        mode: policy.spec.modes?.find((entry) => !entry.match)?.mode ?? policy.spec.mode ?? 'enforce',
        modes: policy.spec.modes,
        match: policy.spec.match,
        exclude: policy.spec.exclude,
        onFail: policy.spec.onFail ?? { action: 'reject' },
        onPass: policy.spec.onPass,
        rules: policy.spec.rules.map((r) => ({ id: r.id, severity: r.severity, message: r.message })),
        waivers: policy.spec.waivers ?? [],
        // Relative to the working directory: the server's layout is not the caller's business.
        file: relative(process.cwd(), source.file),
      })),
    });
  });

  // Break-glass: time-boxed namespace exemptions from admission, each grant and revocation audited.
  router.get('/admission/exemptions', async (_req, res) => {
    res.json({ exemptions: await deps.breakGlass.list() });
  });

  router.post('/admission/exemptions', express.json({ limit: '16kb' }), async (req, res) => {
    const body: unknown = req.body;
    const shape =
      'body must be a JSON object { "namespace", "forSeconds", "reason", "by" } (forSeconds at most 86400)';
    if (!isRecord(body)) throw new PushgateError('BAD_REQUEST', shape);
    const { namespace, forSeconds, reason, by } = body;
    if (
      typeof namespace !== 'string' ||
      typeof forSeconds !== 'number' ||
      !Number.isInteger(forSeconds) ||
      typeof reason !== 'string' ||
      typeof by !== 'string'
    ) {
      throw new PushgateError('BAD_REQUEST', shape);
    }
    const grant = { namespace, durationMs: forSeconds * 1000, reason, by };
    const problems = breakGlassProblems(grant);
    if (problems.length > 0) throw new PushgateError('BAD_REQUEST', problems.join('; '));
    res.status(201).json(await deps.breakGlass.grant(grant));
  });

  router.delete('/admission/exemptions/:namespace', async (req, res) => {
    const namespace = String(req.params.namespace);
    const problem = namespaceProblem(namespace);
    if (problem) throw new PushgateError('BAD_REQUEST', problem);
    const by = queryString(req.query.by, 'by', 100);
    if (by === undefined)
      throw new PushgateError('BAD_REQUEST', 'query parameter by (who revokes) is required');
    const revoked = await deps.breakGlass.revoke(namespace, by);
    if (!revoked) throw new PushgateError('NOT_FOUND', `namespace ${namespace} has no break-glass exemption`);
    res.json(revoked);
  });

  router.get('/audit', async (req, res) => {
    const before = queryString(req.query.before, 'before', 64);
    const repository = queryString(req.query.repository, 'repository');
    const digest = queryString(req.query.digest, 'digest', 140);
    const limit = queryLimit(req.query.limit, 1000);
    const page = await deps.audit.list({
      ...(before ? { before } : {}),
      ...(repository ? { repository } : {}),
      ...(digest ? { digest } : {}),
      ...(limit ? { limit } : {}),
    });
    res.json(page);
  });

  return router;
}
