import { PushgateError } from '../errors.js';
import { parseDigest, verifyBuffer } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import type { LayoutFiles } from './layout-files.js';
import type { Descriptor } from '../oci/types.js';

/** `blobs/<alg>/<hex>`, the image-layout path of a blob. */
export function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
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
  if (descriptor.size > MAX_MANIFEST_BYTES) {
    throw new PushgateError(
      'BODY_TOO_LARGE',
      `${files.location}: ${what} ${descriptor.digest} declares ${descriptor.size} bytes (limit ${MAX_MANIFEST_BYTES})`,
    );
  }
  const size = await files.size(path);
  if (size === undefined) {
    throw new PushgateError(
      'ARCHIVE_INVALID',
      `${files.location}: ${what} ${descriptor.digest} is missing (${path})`,
    );
  }
  const data = await files.read(path, MAX_MANIFEST_BYTES);
  verifyBuffer(data, descriptor.digest, `${files.location}: ${what} ${path}`, descriptor.size);
  return data;
}
