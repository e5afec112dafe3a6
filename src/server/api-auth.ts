import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendError } from './http-error.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Hashing both sides first makes the compare independent of the token's length. */
function matchesAny(candidate: string, tokens: readonly Buffer[]): boolean {
  const hashed = digest(candidate);
  let found = false;
  for (const token of tokens) if (timingSafeEqual(hashed, token)) found = true;
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
 * Guards the API and Bull Board. With no token configured the API is closed (503), never open:
 * an enforcer's verdicts and manual scans are not for anonymous callers.
 */
export function requireApiToken(
  tokens: readonly string[],
  options: { basicRealm?: string } = {},
): RequestHandler {
  const hashed = tokens.map(digest);
  return (req, res, next) => {
    if (hashed.length === 0) {
      sendError(res, 'API_DISABLED', 'no API token is configured (server.apiTokens or PUSHGATE_API_TOKENS)');
      return;
    }
    const token = presentedToken(req.headers.authorization);
    if (token !== undefined && matchesAny(token, hashed)) return next();
    if (options.basicRealm) res.setHeader('WWW-Authenticate', `Basic realm="${options.basicRealm}"`);
    sendError(res, 'UNAUTHORIZED', 'a valid API token is required (Authorization: Bearer <token>)');
  };
}
