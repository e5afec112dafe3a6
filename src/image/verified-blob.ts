import { createHash } from 'node:crypto';

import { PushgateError } from '../errors.js';
import type { LayoutFiles } from './layout-files.js';
import type { Descriptor } from '../oci/types.js';

/** Manifests and configs are read into memory; the same cap the registry client uses. */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;

const ALGORITHMS: Record<string, { hex: RegExp }> = {
  sha256: { hex: /^[a-f0-9]{64}$/ },
  sha512: { hex: /^[a-f0-9]{128}$/ },
};

/** Splits a digest we can verify; MANIFEST_INVALID for algorithms we cannot compute. */
export function splitDigest(digest: string): { algorithm: string; hex: string } {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const known = ALGORITHMS[algorithm];
  if (colon <= 0 || !known) {
    throw new PushgateError('MANIFEST_INVALID', `digest ${digest} uses an algorithm pushgate cannot verify`);
  }
  if (!known.hex.test(hex)) throw new PushgateError('MANIFEST_INVALID', `digest ${digest} is malformed`);
  return { algorithm, hex };
}

/** `blobs/<alg>/<hex>`, the image-layout path of a blob. */
export function blobPath(digest: string): string {
  const { algorithm, hex } = splitDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

export function digestOf(data: Buffer, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/**
 * Reads a manifest/config blob of a layout and checks it against its descriptor: size first
 * (before reading), then length and digest of what was read.
 */
export async function readVerifiedBlob(
  files: LayoutFiles,
  descriptor: Descriptor,
  what: string,
): Promise<Buffer> {
  const path = blobPath(descriptor.digest);
  if (descriptor.size > MAX_METADATA_BYTES) {
    throw new PushgateError(
      'BODY_TOO_LARGE',
      `${files.location}: ${what} ${descriptor.digest} declares ${descriptor.size} bytes (limit ${MAX_METADATA_BYTES})`,
    );
  }
  const size = await files.size(path);
  if (size === undefined) {
    throw new PushgateError(
      'ARCHIVE_INVALID',
      `${files.location}: ${what} ${descriptor.digest} is missing (${path})`,
    );
  }
  const data = await files.read(path, MAX_METADATA_BYTES);
  if (data.length !== descriptor.size) {
    throw new PushgateError(
      'SIZE_MISMATCH',
      `${files.location}: ${what} ${descriptor.digest} is ${data.length} bytes, its descriptor says ${descriptor.size}`,
    );
  }
  const actual = digestOf(data, splitDigest(descriptor.digest).algorithm);
  if (actual !== descriptor.digest) {
    throw new PushgateError(
      'DIGEST_MISMATCH',
      `${files.location}: ${what} ${path} has digest ${actual}, expected ${descriptor.digest}`,
    );
  }
  return data;
}

/** Digest of a stream's bytes, read to the end (no buffering beyond the stream's own chunks). */
export async function digestOfStream(stream: AsyncIterable<Buffer>, algorithm = 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of stream) hash.update(chunk);
  return `${algorithm}:${hash.digest('hex')}`;
}
