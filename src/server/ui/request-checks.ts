import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/**
 * True when the request's `Origin` is this server as the browser reached it: same host and port
 * as the `Host` header (a TLS proxy in front must pass `Host` on). Browsers send `Origin` with
 * every POST, so a missing or `null` one is refused too. SameSite=Strict already keeps the
 * session cookie off cross-site requests; this check does not depend on that.
 */
export function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (typeof origin !== 'string' || typeof host !== 'string' || origin === 'null') return false;
  try {
    const from = new URL(origin);
    if (from.protocol !== 'https:' && from.protocol !== 'http:') return false;
    if (from.origin !== origin) return false;
    // The Host header read with the origin's scheme, so `host:443` matches `https://host`.
    return new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    return false;
  }
}

/** Compares secrets in constant time (hashed first, so lengths do not leak either). */
export function sameSecret(presented: unknown, expected: string | undefined): boolean {
  if (typeof presented !== 'string' || presented === '' || !expected) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The address a login attempt is counted against: the peer (`trust proxy` is off). */
export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}
