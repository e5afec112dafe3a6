import type { Request, Response } from 'express';
import type { ApiTokenEntry, ApiTokenRole } from '../../config/types.js';
import type { Logger } from '../../logger.js';
import type { AdmittedWorkloadsDeps } from '../../pipeline/admitted-workloads.js';
import type { AuditPage, ListAuditOptions } from '../../store/audit-log.js';
import type { FactsStore } from '../../store/facts-store.js';
import type { LoginAttempts } from '../../store/login-attempts.js';
import type { UiSession, UiSessions } from '../../store/ui-sessions.js';
import type { ApiDeps } from '../routes/api.js';

/** What the web view reads and writes: the API's stores, plus its sessions and login counter. */
export interface UiDeps {
  /** The API's tokens: a login takes one of them, and a session lasts only while it is configured. */
  tokens: readonly ApiTokenEntry[];
  sessions: Pick<UiSessions, 'create' | 'get' | 'delete' | 'ttlSeconds'>;
  loginAttempts: Pick<LoginAttempts, 'check' | 'hit'>;
  store: ApiDeps['store'];
  facts: Pick<FactsStore, 'get'>;
  audit: { list(query: ListAuditOptions): Promise<AuditPage> };
  admitted: AdmittedWorkloadsDeps['admitted'];
  logger: Logger;
}

/** The logged-in reader: the session, and the role its token has now. */
export interface UiViewer {
  session: UiSession;
  role: ApiTokenRole;
}

export interface UiContext {
  deps: UiDeps;
  /** Undefined on public routes when nobody is logged in. */
  viewer: UiViewer | undefined;
  /** The role of an API token, checked exactly as the API checks it; undefined when it is none. */
  checkToken(token: string): ApiTokenRole | undefined;
}

/**
 * One route of the web view. `access: 'public'` routes run without a session (the login form);
 * every other route redirects to the login form without one. A POST is refused unless its Origin
 * is this host and it carries the CSRF token `csrf` names: the session's, or the login form's
 * double-submit cookie.
 */
export interface UiRoute {
  method: 'GET' | 'POST';
  path: string;
  access: 'public' | 'session';
  csrf?: 'session' | 'login';
  handle(context: UiContext, req: Request, res: Response): Promise<void>;
}
