import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { Router, type Request } from 'express';
import type { PushgateConfig } from '../../config/types.js';
import { BatchingEnqueuer } from '../../queue/batching-enqueuer.js';
import { toInspectJob } from '../../queue/to-inspect-job.js';
import type { InspectJobData } from '../../queue/job-types.js';
import type { Queues } from '../../queue/create-queues.js';
import type { PolicySet } from '../../pipeline/load-policy-set.js';
import { processWebhook } from '../../webhooks/process-webhook.js';
import type { PushEvent } from '../../webhooks/types.js';
import { WebhookError } from '../../webhooks/webhook-error.js';
import { ownWriteConfig } from '../../actions/own-writes.js';
import type { Logger } from '../../logger.js';
import { errorHandler } from '../error-handler.js';
import { setRoutineRequestLine } from '../request-log.js';
import { sendJson } from '../../send-json.js';
import { PushgateError } from '../../errors.js';

export interface HooksDeps {
  config: PushgateConfig;
  queues: Pick<Queues, 'inspect'>;
  policySet: PolicySet;
  countEvent(source: string, outcome: string, count: number): void;
  logger: Logger;
  /**
   * False while Redis is unreachable: the event is then refused with 503 at once, so the sender
   * retries it later, instead of the request hanging until the sender gives up.
   */
  queueReady(): boolean;
}

/** The webhook route, twice: inside Express, and ahead of it for the requests that matter. */
export interface HooksRoute {
  /** `POST /hooks/:endpoint{/:secret}` in Express: every hook request `serve` leaves alone. */
  router: Router;
  /**
   * The hot path, ahead of Express: a `POST /hooks/<endpoint>[/<secret>]` spelt plainly (lower
   * case, no empty segment, valid percent-encoding) is answered here and `true` returned; any other
   * request is left untouched (`false`) for the Express app. Same handler, body reader and error
   * answers as the router: Express's app, router and response layers alone cost about as much CPU
   * per request as everything intake does.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

/** What the router would match of `/hooks/:endpoint{/:secret}` without help: the plain spelling. */
const HOOK_PATH = /^\/hooks\/([^/?]+)(?:\/([^/?]+))?\/?(?:\?|$)/;

/**
 * `POST /hooks/<endpoint>` and `/hooks/<endpoint>/<secret>`: authenticate the raw bytes, normalise,
 * enqueue, answer 202. Nothing slow happens here: the registry is not contacted.
 */
export function hooksRoute(deps: HooksDeps): HooksRoute {
  const own = ownWriteConfig(deps.config, deps.policySet.policies);
  const enqueuer = new BatchingEnqueuer<InspectJobData>(deps.queues.inspect);
  const endpoints = new Map(deps.config.webhooks.map((w) => [w.name, w]));
  const raw = express.raw({ type: () => true, limit: deps.config.server.maxBodyBytes }) as (
    req: IncomingMessage,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ) => void;
  const onError = errorHandler(deps.logger);

  async function handle(
    req: IncomingMessage & { body?: unknown },
    res: ServerResponse,
    name: string,
    secret: string | undefined,
  ): Promise<void> {
    const endpoint = endpoints.get(name);
    if (!endpoint) throw new WebhookError('NOT_FOUND', `no webhook endpoint named "${name.slice(0, 64)}"`);
    const result = (() => {
      try {
        return processWebhook({
          endpoint,
          registries: deps.config.registries,
          rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          headers: req.headers,
          ...(secret !== undefined ? { pathSecret: secret } : {}),
          receivedAt: new Date(),
          own,
        });
      } catch (error) {
        if (error instanceof WebhookError) deps.countEvent(endpoint.adapter, error.code.toLowerCase(), 1);
        throw error;
      }
    })();
    if (result.events.length > 0 && !deps.queueReady()) {
      deps.countEvent(endpoint.adapter, 'unavailable', result.events.length);
      throw new PushgateError('UNAVAILABLE', 'the queue (Redis) is unreachable; retry later');
    }
    const jobs = await enqueue(deps, enqueuer, result.events);
    deps.countEvent(endpoint.adapter, 'accepted', result.events.length);
    if (result.ignored > 0) deps.countEvent(endpoint.adapter, 'ignored', result.ignored);
    if (result.ownWrites > 0) deps.countEvent(endpoint.adapter, 'own_write', result.ownWrites);
    if (result.invalid > 0) deps.countEvent(endpoint.adapter, 'invalid', result.invalid);
    const summary = {
      endpoint: endpoint.name,
      accepted: result.events.length,
      ignored: result.ignored,
      ownWrites: result.ownWrites,
      invalid: result.invalid,
    };
    if (result.events.length === 0 && result.invalid === 0 && result.problems.length === 0) {
      // Nothing to do (pulls, blob events, pushgate's own writes): registries send these all day.
      // One debug line, the request line with the summary in it.
      setRoutineRequestLine(res, { level: 'debug', fields: summary });
    } else if (deps.logger.isLevelEnabled('info')) {
      // `req.log` is built on first use; at a level that drops the line, do not build it at all.
      (req as { log?: Logger }).log?.info(
        { ...summary, ...(result.problems.length > 0 ? { problems: result.problems } : {}) },
        'webhook accepted',
      );
    }
    sendJson(res, 202, {
      accepted: result.events.length,
      ignored: result.ignored,
      ownWrites: result.ownWrites,
      invalid: result.invalid,
      jobs,
    });
  }

  const router = Router();
  router.post('/hooks/:endpoint{/:secret}', raw, (req: Request, res) =>
    handle(
      req,
      res,
      String(req.params.endpoint),
      typeof req.params.secret === 'string' ? req.params.secret : undefined,
    ),
  );

  // With the headers sent there is nothing left to answer: drop the connection (as Express does).
  const abandon = (_error: unknown, res: ServerResponse) => res.destroy();

  function serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST' || req.url === undefined || !req.url.startsWith('/hooks/')) return false;
    const match = HOOK_PATH.exec(req.url);
    if (match === null) return false;
    let name: string;
    let secret: string | undefined;
    try {
      name = decodeURIComponent(match[1]);
      secret = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    } catch {
      return false; // the router answers bad percent-encoding (400, not echoed)
    }
    const fail = (error: unknown) => onError(error, req, res, (e) => abandon(e, res));
    raw(req, res, (error) => {
      if (error !== undefined) fail(error);
      else handle(req, res, name, secret).catch(fail);
    });
    return true;
  }

  return { router, serve };
}

async function enqueue(
  deps: HooksDeps,
  enqueuer: BatchingEnqueuer<InspectJobData>,
  events: readonly PushEvent[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const jobs = events.map((event) => toInspectJob(event, { policySetVersion: deps.policySet.version }));
  await enqueuer.add(jobs);
  return jobs.map((j) => j.opts.jobId);
}
