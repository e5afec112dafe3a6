import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ApiTokenEntry, ApiTokenRole } from '../config/types.js';
import { sendError } from './http-error.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

interface HashedToken {
  hash: Buffer;
  role: ApiTokenRole;
}

/** A plain string is an admin token: every token could act before roles existed. */
export function apiTokenRole(entry: ApiTokenEntry): { token: string; role: ApiTokenRole } {
  return typeof entry === 'string' ? { token: entry, role: 'admin' } : entry;
}

/**
 * The role of the token presented, or undefined. Hashing both sides first makes the compare
 * independent of the token's length; every entry is compared, so timing does not tell which one.
 */
function roleOf(candidate: string, tokens: readonly HashedToken[]): ApiTokenRole | undefined {
  const hashed = digest(candidate);
  let found: ApiTokenRole | undefined;
  for (const token of tokens) if (timingSafeEqual(hashed, token.hash)) found ??= token.role;
  return found;
}

/** The presented token: `Authorization: Bearer <t>`, or HTTP Basic with the token as password (browsers). */
function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/**
 * Checks a presented token the way the API does (hashed, constant time, every entry compared):
 * its role, or undefined. The web view's login uses it, so a token means the same in both.
 */
export function apiTokenChecker(
  tokens: readonly ApiTokenEntry[],
): (candidate: string) => ApiTokenRole | undefined {
  const hashed = tokens.map((entry) => {
    const { token, role } = apiTokenRole(entry);
    return { hash: digest(token), role };
  });
  return (candidate) => roleOf(candidate, hashed);
}

/** Reading is GET and HEAD; every other method acts (a scan, an exemption) and needs `admin`. */
function roleNeeded(method: string): ApiTokenRole {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'admin';
}

/**
 * Guards the API and Bull Board. With no token configured the API is closed (503), never open:
 * an enforcer's verdicts and manual scans are not for anonymous callers. A `read` token gets 403
 * on a route that acts.
 */
export function requireApiToken(
  tokens: readonly ApiTokenEntry[],
  options: { basicRealm?: string } = {},
): RequestHandler {
  const check = apiTokenChecker(tokens);
  return (req, res, next) => {
    if (tokens.length === 0) {
      sendError(
        res,
        'API_DISABLED',
        'no API token is configured: set PUSHGATE_API_TOKENS (read:TOKEN,admin:TOKEN) or server.apiTokens',
      );
      return;
    }
    const token = presentedToken(req.headers.authorization);
    const role = token !== undefined ? check(token) : undefined;
    if (role === undefined) {
      if (options.basicRealm) res.setHeader('WWW-Authenticate', `Basic realm="${options.basicRealm}"`);
      sendError(res, 'UNAUTHORIZED', 'a valid API token is required (Authorization: Bearer <token>)');
      return;
    }
    const needed = roleNeeded(req.method);
    if (needed === 'admin' && role !== 'admin') {
      sendError(
        res,
        'FORBIDDEN',
        `${req.method} ${`${req.baseUrl}${req.path}`.slice(0, 200)} acts, so it needs an admin token; this token's role is ${role}`,
      );
      return;
    }
    next();
  };
}
