import type { Request, Response } from 'express';
import { cookie, SESSION_COOKIE } from './cookies.js';
import type { UiContext, UiRoute } from './ui-types.js';

/** Ends the session in Redis (everywhere at once) and removes the cookie. */
export const logout: UiRoute = {
  method: 'POST',
  path: '/logout',
  access: 'session',
  csrf: 'session',
  async handle(context: UiContext, _req: Request, res: Response) {
    if (context.viewer) await context.deps.sessions.delete(context.viewer.session.id);
    res.append('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
    res.redirect(303, '/ui/login');
  },
};
