import type { Hash } from 'node:crypto';

import { PushgateError, withContext } from '../errors.js';
import { createDigestHash, parseDigest } from '../oci/digest.js';

/**
 * Hashes the uncompressed layer (the tar the decompressor yields) to check it against the config's
 * `rootfs.diff_ids[i]`. It sits between decompression and the tar reader, so the bytes are hashed
 * as they pass, never read twice; `skip()` turns it off when the layer is not compressed and the
 * blob digest (already verified by DigestCheckStream over the same bytes) is the diff_id itself.
 */
export class DiffIdCheck {
  private readonly hash: Hash;
  private readonly expectedHex: string;
  private skipped = false;

  constructor(
    private readonly diffId: string,
    /** The layer's position, which is its position in `rootfs.diff_ids`. */
    private readonly index: number,
    private readonly label: string,
  ) {
    let parsed;
    try {
      parsed = parseDigest(diffId);
    } catch (err) {
      throw withContext(`${label}: rootfs.diff_ids[${index}]`, err);
    }
    this.hash = createDigestHash(parsed.algorithm);
    this.expectedHex = parsed.hex;
  }

  skip(): void {
    this.skipped = true;
  }

  /** A pipeline stage: yields every chunk unchanged after hashing it. */
  async *stage(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      if (!this.skipped) this.hash.update(chunk);
      yield chunk;
    }
  }

  /** Throws DIGEST_MISMATCH when the uncompressed content is not what the diff_id says. */
  verify(): void {
    if (this.skipped) return;
    const actual = this.hash.digest('hex');
    if (actual !== this.expectedHex) {
      const algorithm = this.diffId.slice(0, this.diffId.indexOf(':'));
      throw new PushgateError(
        'DIGEST_MISMATCH',
        `${this.label}: uncompressed content digest is ${algorithm}:${actual}, but the config's rootfs.diff_ids[${this.index}] says ${this.diffId}`,
      );
    }
  }
}
