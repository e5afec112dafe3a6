/**
 * Minimum throughput of a body (registry response, Docker engine stream). An idle timeout alone is
 * defeated by a sender that dribbles one byte just before it fires; a floor averaged over a window
 * is not: a body that delivers fewer than `minBytesPerSecond` over `windowMs` fails.
 */
export interface ThroughputLimits {
  /** Bytes per second a body must average over each window; 0 turns the check off. */
  minBytesPerSecond: number;
  /** Length of the window the average is taken over, in milliseconds. */
  windowMs: number;
}

/** 1 KiB/s over 60 s: far below any working link, far above a dribble. */
export const DEFAULT_THROUGHPUT_LIMITS: Readonly<ThroughputLimits> = Object.freeze({
  minBytesPerSecond: 1024,
  windowMs: 60_000,
});

/** "fewer than 1024 bytes/s over 60 s (12 bytes)": for error messages. */
export function describeStall(limits: ThroughputLimits, received: number): string {
  const seconds = limits.windowMs / 1000;
  return `fewer than ${limits.minBytesPerSecond} bytes/s over ${seconds} s (${received} bytes received)`;
}

/**
 * Counts the bytes of one body in consecutive windows and calls `onStall` once when a window
 * falls short. Time during which the consumer, not the sender, holds the body back (`pause()` …
 * `resume()`) does not count: a slow decompressor must not fail a fast registry.
 */
export class ThroughputWatch {
  private timer: NodeJS.Timeout | undefined;
  private bytes = 0;
  private paused = false;
  private finished = false;
  private readonly required: number;

  constructor(
    private readonly limits: ThroughputLimits,
    private readonly onStall: (received: number) => void,
  ) {
    this.required = (limits.minBytesPerSecond * limits.windowMs) / 1000;
  }

  get enabled(): boolean {
    return this.limits.minBytesPerSecond > 0 && this.limits.windowMs > 0;
  }

  /** Starts the first window (when the body starts: headers arrived). */
  start(): void {
    if (!this.enabled || this.finished) return;
    this.arm();
  }

  add(length: number): void {
    this.bytes += length;
  }

  /** The consumer stopped reading: the sender is not to blame until `resume()`. */
  pause(): void {
    if (this.finished || this.paused) return;
    this.paused = true;
    this.clear();
  }

  resume(): void {
    if (this.finished || !this.paused) return;
    this.paused = false;
    if (this.enabled) this.arm();
  }

  /** The body ended (or failed): no more checks. */
  stop(): void {
    this.finished = true;
    this.clear();
  }

  private arm(): void {
    this.clear();
    this.bytes = 0;
    this.timer = setTimeout(() => this.check(), this.limits.windowMs);
    // The body's socket keeps the process alive while it matters; the watch never should.
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    if (this.finished || this.paused) return;
    if (this.bytes < this.required) {
      this.finished = true;
      this.onStall(this.bytes);
      return;
    }
    this.arm();
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
