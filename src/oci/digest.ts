import { createHash, type Hash } from 'node:crypto';
import { PushgateError, type ErrorCode } from '../errors.js';
import { printable } from '../escape-text.js';

/**
 * The one digest module: parsing, validation and computing. The streaming check (digest and size
 * of bytes as they pass) is `DigestCheckStream` in `digest-check-stream.ts`, built on this.
 */

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

function isAlgorithm(algorithm: string): algorithm is DigestAlgorithm {
  return algorithm === 'sha256' || algorithm === 'sha512';
}

/**
 * Parses and validates a digest pushgate can verify. `code` lets callers say whose fault a bad
 * digest is (REFERENCE_INVALID for user input, MANIFEST_INVALID for content from an image).
 */
export function parseDigest(text: string, code: ErrorCode = 'MANIFEST_INVALID'): ParsedDigest {
  if (!DIGEST_GRAMMAR.test(text)) {
    throw new PushgateError(code, `"${printable(text)}" is not a digest (expected algorithm:hex)`);
  }
  const colon = text.indexOf(':');
  const algorithm = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  if (!isAlgorithm(algorithm)) {
    throw new PushgateError(
      code,
      `unsupported algorithm "${algorithm}" in "${printable(text)}": digests other than sha256 and sha512 are not supported`,
    );
  }
  if (!ENCODED[algorithm].test(hex)) {
    throw new PushgateError(
      code,
      `"${printable(text)}" is not a valid ${algorithm} digest (lowercase hex of the right length)`,
    );
  }
  return { algorithm, hex };
}

/** True for a digest pushgate can verify (sha256 or sha512, well formed). */
export function isDigest(text: string): boolean {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * True for a digest a descriptor may carry (image-spec grammar, and the exact encoding for the
 * algorithms it registers), even one pushgate cannot verify: such a descriptor is refused only
 * when its content is read.
 */
export function isWellFormedDigest(text: string): boolean {
  if (!DIGEST_GRAMMAR.test(text)) return false;
  const colon = text.indexOf(':');
  const algorithm = text.slice(0, colon);
  return !isAlgorithm(algorithm) || ENCODED[algorithm].test(text.slice(colon + 1));
}

export function createDigestHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(data: Buffer, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Digest of a stream's bytes, read to the end (no buffering beyond the stream's own chunks). */
export async function digestOfStream(
  stream: AsyncIterable<Buffer>,
  algorithm: DigestAlgorithm = 'sha256',
): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of stream) hash.update(chunk);
  return `${algorithm}:${hash.digest('hex')}`;
}

/**
 * Throws SIZE_MISMATCH / DIGEST_MISMATCH when `data` is not what `expected` (and `size`) promise.
 * `what` names the content: "pull manifest team/app@sha256:…: content", "oci: config blobs/sha256/…".
 */
export function verifyBuffer(data: Buffer, expected: string, what: string, size?: number): void {
  if (size !== undefined && data.length !== size) {
    throw new PushgateError('SIZE_MISMATCH', `${what} is ${data.length} bytes, its descriptor says ${size}`, {
      details: { expectedSize: size, actualSize: data.length },
    });
  }
  const { algorithm } = parseDigest(expected);
  const actual = digestOf(data, algorithm);
  if (actual !== expected) {
    throw new PushgateError('DIGEST_MISMATCH', `${what} has digest ${actual}, expected ${expected}`, {
      details: { expected, actual },
    });
  }
}
