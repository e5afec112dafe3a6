import { createHash, type Hash } from 'node:crypto';
import { PushgateError, type ErrorCode } from '../errors.js';
import { printable } from '../escape-text.js';

/** The algorithms pushgate can verify; anything else is refused because it cannot be checked. */
export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

// image-spec descriptor.md: the general grammar, then the registered algorithms' exact encodings.
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const ENCODED: Record<DigestAlgorithm, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/**
 * Parses and validates a digest string. `code` lets callers say whose fault a bad digest is
 * (REFERENCE_INVALID for user input, MANIFEST_INVALID for content from a registry).
 */
export function parseDigest(text: string, code: ErrorCode = 'MANIFEST_INVALID'): ParsedDigest {
  if (!DIGEST_GRAMMAR.test(text)) {
    throw new PushgateError(code, `"${printable(text)}" is not a digest (expected algorithm:hex)`);
  }
  const colon = text.indexOf(':');
  const algorithm = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new PushgateError(code, `digest algorithm "${algorithm}" is not supported (sha256 and sha512 are)`);
  }
  if (!ENCODED[algorithm].test(hex)) {
    throw new PushgateError(
      code,
      `"${printable(text)}" is not a valid ${algorithm} digest (lowercase hex of the right length)`,
    );
  }
  return { algorithm, hex };
}

export function isDigest(text: string): boolean {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}

export function createDigestHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(data: Buffer, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Throws DIGEST_MISMATCH / SIZE_MISMATCH when `data` is not what `expected` (and `size`) promise. */
export function verifyBuffer(data: Buffer, expected: string, what: string, size?: number): void {
  if (size !== undefined && data.length !== size) {
    throw new PushgateError('SIZE_MISMATCH', `${what}: got ${data.length} bytes, descriptor says ${size}`, {
      details: { expectedSize: size, actualSize: data.length },
    });
  }
  const { algorithm } = parseDigest(expected);
  const actual = digestOf(data, algorithm);
  if (actual !== expected) {
    throw new PushgateError(
      'DIGEST_MISMATCH',
      `${what}: content has digest ${actual}, expected ${expected}`,
      {
        details: { expected, actual },
      },
    );
  }
}
