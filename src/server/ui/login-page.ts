import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { uiTokenId } from '../../store/ui-sessions.js';
import { cookie, LOGIN_COOKIE, SESSION_COOKIE } from './cookies.js';
import { html } from './html.js';
import { sendPage, sendProblem } from './layout.js';
import { clientAddress } from './request-checks.js';
import type { UiContext, UiRoute } from './ui-types.js';

/** How long a login form stays usable (its CSRF cookie's life). */
const LOGIN_FORM_SECONDS = 15 * 60;

/** The login form, with a fresh double-submit CSRF token in a cookie and in the form. */
function sendLoginForm(res: Response, status: number, problem?: string): void {
  const csrf = randomBytes(32).toString('base64url');
  res.append('Set-Cookie', cookie(LOGIN_COOKIE, csrf, LOGIN_FORM_SECONDS));
  sendPage(res, status, {
    title: 'Log in',
    viewer: undefined,
    body: html`<h1>Log in</h1>
      <p>
        Paste an API token (a <code>read</code> token is enough). It is checked once and not kept: the browser
        gets a session that ends after a few hours or when you log out.
      </p>
      ${problem ? html`<p class="pg-error" role="alert" id="login-problem">${problem}</p>` : ''}
      <form class="pg-login" method="post" action="/ui/login">
        <input type="hidden" name="csrf" value="${csrf}" />
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          required
          autocomplete="off"
          autofocus
          ${problem ? html` aria-describedby="login-problem"` : ''}
        />
        <p><button type="submit">Log in</button></p>
      </form>`,
  });
}

export const loginForm: UiRoute = {
  method: 'GET',
  path: '/login',
  access: 'public',
  async handle(context: UiContext, _req: Request, res: Response) {
    if (context.viewer) {
      res.redirect(303, '/ui/images');
      return;
    }
    sendLoginForm(res, 200);
  },
};

/**
 * Takes the token once: refuses a client with too many recent failures (per address, in Redis;
 * only failures count), checks the token as
 * the API does, and on success starts a session whose random id is the only thing the browser
 * keeps. The token is never echoed, stored or logged.
 */
export const login: UiRoute = {
  method: 'POST',
  path: '/login',
  access: 'public',
  csrf: 'login',
  async handle(context: UiContext, req: Request, res: Response) {
    const { deps } = context;
    const client = clientAddress(req);
    const attempt = await deps.loginAttempts.check(client);
    if (!attempt.allowed) {
      res.setHeader('Retry-After', String(attempt.retryAfterSeconds));
      sendProblem(
        res,
        429,
        undefined,
        'Too many login attempts',
        `too many login attempts from this address; try again in ${attempt.retryAfterSeconds} s`,
      );
      return;
    }
    if (deps.tokens.length === 0) {
      sendProblem(
        res,
        503,
        undefined,
        'Login disabled',
        'no API token is configured (server.apiTokens), so nobody can log in',
      );
      return;
    }
    const token: unknown = (req.body as Record<string, unknown>).token;
    const role = typeof token === 'string' && token.length <= 4096 ? context.checkToken(token) : undefined;
    if (role === undefined || typeof token !== 'string') {
      await deps.loginAttempts.hit(client);
      sendLoginForm(res, 401, 'That is not a valid API token.');
      return;
    }
    const session = await deps.sessions.create({ role, tokenId: uiTokenId(token) });
    res.append('Set-Cookie', cookie(SESSION_COOKIE, session.id, deps.sessions.ttlSeconds));
    res.append('Set-Cookie', cookie(LOGIN_COOKIE, '', 0));
    res.redirect(303, '/ui/images');
  },
};
