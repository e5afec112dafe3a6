import { readFileSync } from 'node:fs';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestListener } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { PushgateConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { Queues } from '../queue/create-queues.js';
import type { PolicySet } from '../pipeline/load-policy-set.js';
import { requireApiToken } from './api-auth.js';
import { errorHandler, notFound } from './error-handler.js';
import { requestLog } from './request-log.js';
import { apiRouter, type ApiDeps } from './routes/api.js';
import { healthRouter } from './routes/health.js';
import { hooksRoute, type HooksDeps } from './routes/hooks.js';
import { uiRouter } from './ui/ui-router.js';
import type { UiDeps } from './ui/ui-types.js';

export const OPENAPI_DOCUMENT: unknown = JSON.parse(
  readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'),
);

export interface AppDeps {
  config: PushgateConfig;
  logger: Logger;
  queues: Queues;
  policySet: PolicySet;
  store: ApiDeps['store'];
  audit: ApiDeps['audit'];
  admitted: ApiDeps['admitted'];
  breakGlass: ApiDeps['breakGlass'];
  /** `/metrics` handler and the webhook event counter. */
  metrics: { handler: RequestHandler; countEvent: HooksDeps['countEvent'] };
  readinessChecks: Record<string, () => Promise<unknown>>;
  queueReady: () => boolean;
  /** The web view's own stores: sessions, login attempts, and the facts its image pages render. */
  ui: Pick<UiDeps, 'sessions' | 'loginAttempts' | 'facts'>;
}

/**
 * The HTTP server's request listener: every request gets its id and request line, then webhook
 * deliveries spelt plainly are answered ahead of Express (`HooksRoute.serve`), and everything else
 * goes through the Express app.
 */
export function createApp(deps: AppDeps): RequestListener {
  const hooks = hooksRoute({
    config: deps.config,
    queues: deps.queues,
    policySet: deps.policySet,
    countEvent: deps.metrics.countEvent,
    queueReady: deps.queueReady,
    logger: deps.logger,
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // No ETag: webhook answers and API documents are never conditionally fetched, and hashing every
  // response body costs intake throughput.
  app.set('etag', false);
  // Webhooks first: they are the hot path (fewest layers to walk per event).
  app.use(hooks.router);
  app.use(healthRouter({ readinessChecks: deps.readinessChecks }));
  app.get('/metrics', deps.metrics.handler);
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });
  const apiAuth = requireApiToken(deps.config.server.apiTokens);
  app.use('/api/v1', apiAuth, apiRouter({ ...deps, queueReady: deps.queueReady }));
  // The web view: a session cookie, never a bearer token. `/api/v1` above reads only the
  // Authorization header, so a cookie never authenticates the API.
  app.use(
    '/ui',
    uiRouter({
      ...deps.ui,
      tokens: deps.config.server.apiTokens,
      store: deps.store,
      audit: deps.audit,
      admitted: deps.admitted,
      logger: deps.logger,
    }),
  );
  if (deps.config.server.bullBoard) {
    const board = new ExpressAdapter();
    board.setBasePath('/admin/queues');
    createBullBoard({
      // Read-only: the board is behind Basic auth, which browsers send on their own, so a
      // cross-site form could otherwise retry, clean or remove jobs.
      queues: [
        new BullMQAdapter(deps.queues.inspect, { readOnlyMode: true }),
        new BullMQAdapter(deps.queues.enforce, { readOnlyMode: true }),
      ],
      serverAdapter: board,
    });
    app.use(
      '/admin/queues',
      requireApiToken(deps.config.server.apiTokens, { basicRealm: 'pushgate' }),
      board.getRouter() as RequestHandler,
    );
  }
  app.use(notFound());
  app.use(errorHandler(deps.logger));
  const logRequest = requestLog(deps.logger);
  return (req, res) => {
    logRequest(req, res, noop);
    if (!hooks.serve(req, res)) void app(req, res);
  };
}

function noop(): void {}
