import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookAuthConfig } from '../config/types.js';
import { headerValue, type WebhookHeaders } from './header-value.js';
import { WebhookError } from './webhook-error.js';

/**
 * Checks a webhook request's credentials against the endpoint's auth config, on the raw bytes and
 * before anything is parsed; throws `WebhookError('UNAUTHORIZED')`. Every comparison is
 * timing-safe and independent of the lengths involved; messages name what was missing or wrong,
 * never a value.
 */
export function verifyWebhookAuth(
  auth: WebhookAuthConfig,
  rawBody: Buffer,
  headers: WebhookHeaders,
  pathSecret?: string,
): void {
  switch (auth.type) {
    case 'none':
      return;
    case 'bearer': {
      const value = headerValue(headers, 'authorization');
      if (value === undefined) throw unauthorized('the Authorization header is missing or repeated');
      const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
      if (match === null) throw unauthorized('the Authorization header is not "Bearer <token>"');
      if (!secretEquals(match[1], auth.token)) throw unauthorized('the bearer token is not valid');
      return;
    }
    case 'header': {
      const value = headerValue(headers, auth.header);
      if (value === undefined) throw unauthorized(`the ${auth.header} header is missing or repeated`);
      if (!secretEquals(value.trim(), auth.value))
        throw unauthorized(`the ${auth.header} header is not valid`);
      return;
    }
    case 'hmac-sha256': {
      const value = headerValue(headers, auth.header);
      if (value === undefined)
        throw unauthorized(`the ${auth.header} signature header is missing or repeated`);
      const signature = value.trim();
      if (!signature.toLowerCase().startsWith(auth.prefix.toLowerCase())) {
        throw unauthorized(`the ${auth.header} signature does not start with "${auth.prefix}"`);
      }
      const expected = createHmac('sha256', auth.secret).update(rawBody).digest('hex');
      // The secret must be set: an HMAC under an empty key is one anybody can compute.
      if (
        auth.secret === '' ||
        !secretEquals(signature.slice(auth.prefix.length).toLowerCase(), expected, false)
      ) {
        throw unauthorized(`the ${auth.header} signature does not match the body`);
      }
      return;
    }
    case 'path': {
      if (pathSecret === undefined || pathSecret === '')
        throw unauthorized('the secret path segment is missing');
      if (!secretEquals(pathSecret, auth.secret)) throw unauthorized('the secret path segment is not valid');
      return;
    }
    default: {
      const unknown: never = auth;
      throw unauthorized(`unknown auth type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

function unauthorized(message: string): WebhookError {
  return new WebhookError('UNAUTHORIZED', message);
}

/**
 * Constant-time equality that also hides both lengths: the SHA-256 digests of the two sides are
 * compared, so `timingSafeEqual` always sees 32 bytes. An empty expected value never matches (a
 * misconfigured empty secret must not let an empty credential through).
 */
function secretEquals(given: string, expected: string, configured = true): boolean {
  const a = sha256(given);
  // Only configured values are remembered: an HMAC computed per delivery would just churn the map.
  let b = configured ? EXPECTED_DIGESTS.get(expected) : undefined;
  if (b === undefined) {
    b = sha256(expected);
    if (!configured) return timingSafeEqual(a, b) && expected !== '';
    // Expected values come from the configuration, so the map stays small; the bound is a guard.
    if (EXPECTED_DIGESTS.size >= 1000) EXPECTED_DIGESTS.clear();
    EXPECTED_DIGESTS.set(expected, b);
  }
  return timingSafeEqual(a, b) && expected !== '';
}

/** The configured secrets' digests: one hash per delivery instead of two. */
const EXPECTED_DIGESTS = new Map<string, Buffer>();

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
