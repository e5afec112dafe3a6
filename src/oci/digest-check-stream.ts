import type { Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PushgateError, withContext } from '../errors.js';
import { createDigestHash, parseDigest } from './digest.js';

export interface DigestCheckOptions {
  digest: string;
  size: number;
  /** Names the content in errors, e.g. "pull blob team/app@sha256:…", "layer sha256:…". */
  what: string;
  /** Buffering on each side; the layer walker passes 1 MiB to cut per-chunk overhead. */
  highWaterMark?: number;
  /**
   * false: count and bound the bytes but do not hash them, because they come from a stream that
   * already fails unless they have this very digest (`checks()`): hashing twice is wasted CPU.
   */
  hash?: boolean;
}

/**
 * The one digest-and-size check for streamed content (registry blobs, layers the walker reads).
 * Passes bytes through while hashing and counting them. It never lets more than `size` bytes
 * through (the excess is an immediate SIZE_MISMATCH), and at end of input it fails with
 * SIZE_MISMATCH (too short) or DIGEST_MISMATCH instead of ending cleanly — so a consumer that
 * reads to EOF knows the content was what the descriptor promised.
 */
export class DigestCheckStream extends Transform {
  private readonly expected: string;
  private readonly size: number;
  private readonly what: string;
  private readonly hash: Hash | undefined;
  private seen = 0;

  /** Throws MANIFEST_INVALID, naming `what`, for a digest it cannot verify or a size that is not one. */
  constructor(options: DigestCheckOptions) {
    super(
      options.highWaterMark === undefined
        ? {}
        : { readableHighWaterMark: options.highWaterMark, writableHighWaterMark: options.highWaterMark },
    );
    let algorithm;
    try {
      ({ algorithm } = parseDigest(options.digest));
    } catch (err) {
      throw withContext(options.what, err);
    }
    if (!Number.isSafeInteger(options.size) || options.size < 0) {
      throw new PushgateError(
        'MANIFEST_INVALID',
        `${options.what}: size ${options.size} is not a non-negative integer`,
      );
    }
    this.expected = options.digest;
    this.size = options.size;
    this.what = options.what;
    this.hash = options.hash === false ? undefined : createDigestHash(algorithm);
  }

  /** Whether this stream fails unless its content has exactly this digest and size. */
  checks(descriptor: { digest: string; size: number }): boolean {
    return this.hash !== undefined && this.expected === descriptor.digest && this.size === descriptor.size;
  }

  /** Bytes passed through so far. */
  get bytes(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.seen + chunk.length > this.size) {
      callback(
        new PushgateError(
          'SIZE_MISMATCH',
          `${this.what}: content is longer than its declared size ${this.size} (${this.seen + chunk.length} bytes so far)`,
          { details: { expectedSize: this.size } },
        ),
      );
      return;
    }
    this.seen += chunk.length;
    this.hash?.update(chunk);
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
    if (this.hash === undefined) {
      callback();
      return;
    }
    const actual = `${this.expected.slice(0, this.expected.indexOf(':'))}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      callback(
        new PushgateError(
          'DIGEST_MISMATCH',
          `${this.what}: content digest is ${actual}, expected ${this.expected}`,
          { details: { expected: this.expected, actual } },
        ),
      );
      return;
    }
    callback();
  }
}
