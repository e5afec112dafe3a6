import { createHmac } from 'node:crypto';

/**
 * The key fingerprints are computed with unless a deployment sets its own
 * (`createSecretsExtractor({ fingerprintKey })`; the service configuration arrives with the
 * service issue). With this public default, a fingerprint only says "the same value twice": anyone
 * can test a guessed secret against it, so deployments should set a private key.
 */
export const DEFAULT_FINGERPRINT_KEY = 'pushgate-secret-fingerprint-v1';

/** Leading characters a preview shows at most; short values show fewer (a quarter of them). */
const PREVIEW_CHARS = 4;

/**
 * A masked preview: a few leading characters and the length, e.g. `npm_…(40 chars)`. Values
 * shorter than 16 characters show a quarter of their length (a 7-character password shows one
 * character), so a short secret is never given away by its preview.
 */
export function maskedPreview(value: string): string {
  const shown = Math.min(PREVIEW_CHARS, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}…(${value.length} chars)`;
}

/** HMAC-SHA-256 of the value with `key`, hex, first 16 characters: equal values match, values stay unknown. */
export function fingerprint(value: string, key: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 16);
}
