import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/**
 * True when the request comes from a page of this server. Two signals, both set by the browser
 * and out of reach of page scripts:
 *
 * - `Origin`, when the browser names one: it must be this host and port as the `Host` header says
 *   (a TLS proxy in front must pass `Host` on).
 * - `Sec-Fetch-Site`, when present, must be `same-origin`. The web view's pages say
 *   `Referrer-Policy: no-referrer`, and under that policy browsers send `Origin: null` with a
 *   form POST even to the page's own origin (Fetch, "serializing a request origin"); then
 *   `Sec-Fetch-Site: same-origin` is the proof, and without it (a browser too old to send it, a
 *   sandboxed or cross-site document) the POST is refused.
 *
 * SameSite=Strict already keeps the session cookie off cross-site requests; this does not rely on it.
 */
export function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  if (origin === undefined || origin === 'null') return site === 'same-origin';
  if (typeof host !== 'string') return false;
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
