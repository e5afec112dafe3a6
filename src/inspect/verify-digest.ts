import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

import { PushgateError } from '../errors.js';

const ALGORITHMS: Record<string, { hash: string; hexLength: number }> = {
  sha256: { hash: 'sha256', hexLength: 64 },
  sha512: { hash: 'sha512', hexLength: 128 },
};

export interface ParsedDigest {
  algorithm: string;
  hex: string;
}

/** Splits `algorithm:hex`; throws MANIFEST_INVALID for malformed digests or unsupported algorithms. */
export function parseDigest(digest: string, what: string): ParsedDigest {
  const colon = digest.indexOf(':');
  const algorithm = colon === -1 ? '' : digest.slice(0, colon);
  const hex = colon === -1 ? '' : digest.slice(colon + 1);
  const known = ALGORITHMS[algorithm];
  if (known === undefined) {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `${what}: digest ${JSON.stringify(digest.slice(0, 100))} uses an unsupported algorithm (sha256 and sha512 are)`,
    );
  }
  if (hex.length !== known.hexLength || !/^[0-9a-f]+$/.test(hex)) {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `${what}: malformed digest ${JSON.stringify(digest.slice(0, 140))}`,
    );
  }
  return { algorithm, hex };
}

/**
 * Passes bytes through while hashing and counting them. Fails as soon as more than `size` bytes
 * arrive (SIZE_MISMATCH), and at the end when the size or digest differ.
 */
export class DigestTap extends Transform {
  /** Bytes seen so far. */
  bytes = 0;
  private readonly hash: Hash;
  private readonly expectedHex: string;

  constructor(
    private readonly digest: string,
    private readonly size: number,
    private readonly label: string,
  ) {
    super({ readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 1024 * 1024 });
    const parsed = parseDigest(digest, label);
    this.hash = createHash(ALGORITHMS[parsed.algorithm].hash);
    this.expectedHex = parsed.hex;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.size) {
      callback(
        new PushgateError(
          'SIZE_MISMATCH',
          `${this.label}: blob is longer than its declared size ${this.size} (read ${this.bytes} bytes so far)`,
        ),
      );
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.size) {
      callback(
        new PushgateError(
          'SIZE_MISMATCH',
          `${this.label}: blob has ${this.bytes} bytes, its descriptor says ${this.size}`,
        ),
      );
      return;
    }
    const actual = this.hash.digest('hex');
    if (actual !== this.expectedHex) {
      const algorithm = this.digest.slice(0, this.digest.indexOf(':'));
      callback(
        new PushgateError(
          'DIGEST_MISMATCH',
          `${this.label}: content digest is ${algorithm}:${actual}, expected ${this.digest}`,
        ),
      );
      return;
    }
    callback();
  }
}

/**
 * Hashes the uncompressed layer (the tar the decompressor yields) to check it against the config's
 * `rootfs.diff_ids[i]`. It sits between decompression and the tar reader, so the bytes are hashed
 * as they pass, never read twice; `skip()` turns it off when the layer is not compressed and the
 * blob digest (already verified by DigestTap over the same bytes) is the diff_id itself.
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
    const parsed = parseDigest(diffId, `${label}: rootfs.diff_ids[${index}]`);
    this.hash = createHash(ALGORITHMS[parsed.algorithm].hash);
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
