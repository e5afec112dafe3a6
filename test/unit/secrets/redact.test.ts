import { describe, expect, it } from 'vitest';
import { DEFAULT_FINGERPRINT_KEY, fingerprint, maskedPreview } from '../../../src/secrets/redact.js';

describe('redaction', () => {
  it('previews at most 4 leading characters and the length; short values show fewer', () => {
    expect(maskedPreview('npm_abcdefghijklmnopqrstuvwxyz0123456789')).toBe('npm_…(40 chars)');
    expect(maskedPreview('hunter2')).toBe('h…(7 chars)');
    expect(maskedPreview('abc')).toBe('…(3 chars)');
    expect(maskedPreview('')).toBe('…(0 chars)');
  });

  it('fingerprints with HMAC-SHA-256: 16 hex, stable per key, different across keys', () => {
    const a = fingerprint('s3cret-value', DEFAULT_FINGERPRINT_KEY);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint('s3cret-value', DEFAULT_FINGERPRINT_KEY)).toBe(a);
    expect(fingerprint('s3cret-value', 'another key')).not.toBe(a);
    expect(fingerprint('s3cret-valuf', DEFAULT_FINGERPRINT_KEY)).not.toBe(a);
  });
});
