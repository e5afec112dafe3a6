import { Transform, type TransformCallback } from 'node:stream';

import { ThroughputWatch, type ThroughputLimits } from './throughput-watch.js';

/**
 * A pass-through stream that fails with `onStall(received)`'s error when fewer than
 * `limits.minBytesPerSecond` arrive over a window (see ThroughputWatch). Windows start when the
 * guard is created, so a sender that answers headers and then nothing fails too. While the reader
 * lets the guard's output pile up, the clock stops: only the sender is judged.
 */
export class ThroughputGuard extends Transform {
  private readonly watch: ThroughputWatch;

  constructor(limits: ThroughputLimits, onStall: (received: number) => Error) {
    super();
    this.watch = new ThroughputWatch(limits, (received) => this.destroy(onStall(received)));
    this.watch.start();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.watch.add(chunk.length);
    // push() answers false when the reader is behind; Transform then holds back the next write
    // until _read, which is where the clock restarts.
    if (!this.push(chunk)) this.watch.pause();
    callback();
  }

  override _read(size: number): void {
    this.watch.resume();
    super._read(size);
  }

  override _flush(callback: TransformCallback): void {
    this.watch.stop();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.watch.stop();
    callback(error);
  }
}
