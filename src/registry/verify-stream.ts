import { Transform, type TransformCallback } from 'node:stream';
import { PushgateError } from '../errors.js';
import { createDigestHash, parseDigest } from '../oci/digest.js';

export interface VerifyStreamOptions {
  digest: string;
  size: number;
  /** Names the content in errors, e.g. "blob team/app@sha256:…". */
  what: string;
}

/**
 * Passes bytes through while hashing and counting them. It never lets more than `size` bytes
 * through (the excess is an immediate SIZE_MISMATCH), and at end of input it fails with
 * SIZE_MISMATCH (too short) or DIGEST_MISMATCH instead of ending cleanly — so a consumer that
 * reads to EOF knows the content was what the descriptor promised.
 */
export class VerifyStream extends Transform {
  private readonly expected: string;
  private readonly size: number;
  private readonly what: string;
  private readonly hash;
  private seen = 0;

  constructor(options: VerifyStreamOptions) {
    super();
    const { algorithm } = parseDigest(options.digest);
    if (!Number.isSafeInteger(options.size) || options.size < 0) {
      throw new PushgateError(
        'MANIFEST_INVALID',
        `${options.what}: size ${options.size} is not a non-negative integer`,
      );
    }
    this.expected = options.digest;
    this.size = options.size;
    this.what = options.what;
    this.hash = createDigestHash(algorithm);
  }

  /** Bytes passed through so far. */
  get bytesSeen(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.seen + chunk.length > this.size) {
      callback(
        new PushgateError(
          'SIZE_MISMATCH',
          `${this.what}: more than the ${this.size} bytes the descriptor declares`,
          {
            details: { expectedSize: this.size },
          },
        ),
      );
      return;
    }
    this.seen += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen !== this.size) {
      callback(
        new PushgateError(
          'SIZE_MISMATCH',
          `${this.what}: ended after ${this.seen} of ${this.size} bytes (truncated)`,
          { details: { expectedSize: this.size, actualSize: this.seen } },
        ),
      );
      return;
    }
    const actual = `${this.expected.slice(0, this.expected.indexOf(':'))}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      callback(
        new PushgateError(
          'DIGEST_MISMATCH',
          `${this.what}: content has digest ${actual}, expected ${this.expected}`,
          {
            details: { expected: this.expected, actual },
          },
        ),
      );
      return;
    }
    callback();
  }
}
