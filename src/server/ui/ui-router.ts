import express, { Router, type ErrorRequestHandler, type Request } from 'express';
import type { ApiTokenRole } from '../../config/types.js';
import { ERRORS, isPushgateError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { uiTokenId } from '../../store/ui-sessions.js';
import { apiTokenChecker, apiTokenRole } from '../api-auth.js';
import { LOGIN_COOKIE, readCookie, SESSION_COOKIE } from './cookies.js';
import { sendProblem } from './layout.js';
import { sameOrigin, sameSecret } from './request-checks.js';
import { securityHeaders } from './security-headers.js';
import type { UiContext, UiDeps, UiRoute, UiViewer } from './ui-types.js';
import { UI_ROUTES } from './ui-routes.js';

/** The role each configured token has now, by its id. */
function rolesById(deps: UiDeps): Map<string, ApiTokenRole> {
  const roles = new Map<string, ApiTokenRole>();
  for (const entry of deps.tokens) {
    const { token, role } = apiTokenRole(entry);
    const id = uiTokenId(token);
    // Listed twice with two roles: the first wins, as in the API.
    if (!roles.has(id)) roles.set(id, role);
  }
  return roles;
}

/** The logged-in reader, or undefined: no cookie, an unknown or expired session, a removed token. */
async function viewerOf(
  req: Request,
  deps: UiDeps,
  roles: Map<string, ApiTokenRole>,
): Promise<UiViewer | undefined> {
  const id = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (id === undefined) return undefined;
  const session = await deps.sessions.get(id);
  if (!session) return undefined;
  const role = roles.get(session.tokenId);
  if (role === undefined) {
    // The token that logged in is no longer configured: its sessions end with it.
    await deps.sessions.delete(id);
    return undefined;
  }
  return { session, role };
}

function csrfProblem(route: UiRoute, req: Request, viewer: UiViewer | undefined): string | undefined {
  if (!sameOrigin(req))
    return 'this form was not sent from this site (its Origin header is missing or another site’s)';
  const presented: unknown = (req.body as Record<string, unknown> | undefined)?.csrf;
  const expected =
    route.csrf === 'login' ? readCookie(req.headers.cookie, LOGIN_COOKIE) : viewer?.session.csrf;
  if (!sameSecret(presented, expected))
    return 'this form is stale or was not made by this site: reload the page and try again';
  return undefined;
}

function uiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const viewer = (res.locals as { uiViewer?: UiViewer }).uiViewer;
    if (isPushgateError(error) && ERRORS[error.code].http !== 500) {
      const status = ERRORS[error.code].http;
      const title = status === 503 ? 'Service unavailable' : status === 404 ? 'Not found' : 'Bad request';
      sendProblem(res, status, viewer, title, error.message);
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(res, status === 413 ? 413 : 400, viewer, 'Bad request', 'the request could not be read');
      return;
    }
    const log = (req as { log?: Logger }).log ?? logger;
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'web view request failed');
    sendProblem(res, 500, viewer, 'Internal error', 'something went wrong on the server; see its log');
  };
}

/**
 * The web view, mounted at `/ui`: every route of `UI_ROUTES` behind the session check (and, for
 * POSTs, the Origin and CSRF checks), security headers on every answer, errors as HTML pages.
 * Cookies are read here only: `/api/v1` never looks at them.
 */
export function uiRouter(deps: UiDeps, routes: readonly UiRoute[] = UI_ROUTES): Router {
  const router = Router();
  const roles = rolesById(deps);
  const checkToken = apiTokenChecker(deps.tokens);
  router.use(securityHeaders());
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  for (const route of routes) {
    const method = route.method === 'GET' ? 'get' : 'post';
    const handlers: express.RequestHandler[] = route.method === 'POST' ? [form] : [];
    handlers.push(async (req, res) => {
      const viewer = await viewerOf(req, deps, roles);
      (res.locals as { uiViewer?: UiViewer }).uiViewer = viewer;
      if (route.access === 'session' && !viewer) {
        res.redirect(303, '/ui/login');
        return;
      }
      if (route.method === 'POST') {
        const problem = csrfProblem(route, req, viewer);
        if (problem !== undefined) {
          sendProblem(res, 403, viewer, 'Form refused', problem);
          return;
        }
      }
      const context: UiContext = { deps, viewer, checkToken };
      await route.handle(context, req, res);
    });
    router[method](route.path, ...handlers);
  }
  router.use((_req, res) => {
    sendProblem(
      res,
      404,
      (res.locals as { uiViewer?: UiViewer }).uiViewer,
      'Not found',
      'there is no such page',
    );
  });
  router.use(uiErrorHandler(deps.logger));
  return router;
}
