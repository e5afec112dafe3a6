import { describe, expect, it } from 'vitest';
import { digestOf, isDigest, parseDigest, verifyBuffer } from '../../../src/oci/digest.js';

describe('digests', () => {
  const data = Buffer.from('hello');
  const sha256 = digestOf(data);

  it('parses sha256 and sha512, refuses others', () => {
    expect(parseDigest(sha256)).toEqual({ algorithm: 'sha256', hex: sha256.slice(7) });
    expect(parseDigest(digestOf(data, 'sha512')).algorithm).toBe('sha512');
    expect(() => parseDigest(`md5:${'a'.repeat(32)}`)).toThrow(/not supported/);
    expect(() => parseDigest(`sha256:${'A'.repeat(64)}`)).toThrow(/lowercase hex/);
    expect(() => parseDigest('sha256:abc', 'REFERENCE_INVALID')).toThrow(
      expect.objectContaining({ code: 'REFERENCE_INVALID' }),
    );
    expect(isDigest('nope')).toBe(false);
  });

  it('verifies buffers by digest and size', () => {
    expect(() => verifyBuffer(data, sha256, 'x', 5)).not.toThrow();
    expect(() => verifyBuffer(data, sha256, 'x', 6)).toThrow(
      expect.objectContaining({ code: 'SIZE_MISMATCH' }),
    );
    expect(() => verifyBuffer(Buffer.from('hellO'), sha256, 'x')).toThrow(
      expect.objectContaining({ code: 'DIGEST_MISMATCH' }),
    );
  });
});
