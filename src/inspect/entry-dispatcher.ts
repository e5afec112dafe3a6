import { PushgateError, withContext } from '../errors.js';
import type { EntryConsumer, LayerEntry } from './types.js';

const NONE = 0;
const HEADER = 1;
const CONTENT = 2;
const STREAM = 3;

const EMPTY = Buffer.alloc(0);

/**
 * Asks every consumer what it wants of an entry and hands the entry over, in consumer order.
 * Stays synchronous (no promise, no closure) unless a consumer returns a promise.
 */
export class EntryDispatcher {
  private readonly kinds: Uint8Array;
  private readonly limits: Float64Array;
  /** Whether a consumer asked for the current entry as a stream (set by `ask`). */
  streams = false;

  constructor(
    private readonly consumers: readonly EntryConsumer[],
    private readonly label: string,
  ) {
    this.kinds = new Uint8Array(consumers.length);
    this.limits = new Float64Array(consumers.length);
  }

  /**
   * Records each consumer's want for `entry`; returns how many content bytes the most demanding
   * consumer wants (0 when none does), or -1 when no consumer wants the entry at all.
   */
  ask(entry: LayerEntry): number {
    let max = -1;
    let streams = false;
    for (let i = 0; i < this.consumers.length; i++) {
      const consumer = this.consumers[i];
      let want: unknown;
      try {
        want = consumer.wants(entry);
      } catch (err) {
        throw this.failure(consumer, entry, err);
      }
      if (want === false || want === undefined || want === null) {
        this.kinds[i] = NONE;
      } else if (want === 'header') {
        this.kinds[i] = HEADER;
        if (max < 0) max = 0;
      } else if (typeof want === 'object' && typeof (want as { content?: unknown }).content === 'number') {
        const n = Math.floor((want as { content: number }).content);
        const bytes = Number.isFinite(n) && n > 0 ? n : 0;
        this.kinds[i] = CONTENT;
        this.limits[i] = bytes;
        if (bytes > max) max = bytes;
      } else if (typeof want === 'object' && (want as { stream?: unknown }).stream === true) {
        if (typeof consumer.onChunk !== 'function') {
          throw new PushgateError(
            'INTERNAL',
            `${this.label}: consumer ${consumer.id} wants ${JSON.stringify(entry.path)} as a stream but has no onChunk`,
          );
        }
        this.kinds[i] = STREAM;
        streams = true;
        if (max < 0) max = 0;
      } else {
        throw new PushgateError(
          'INTERNAL',
          `${this.label}: consumer ${consumer.id} returned an invalid want ${JSON.stringify(want)} for ${JSON.stringify(entry.path)}`,
        );
      }
    }
    this.streams = streams && entry.type === 'file';
    return max;
  }

  /** Hands one data slice of the current entry to every consumer that asked for a stream. */
  chunk(entry: LayerEntry, slice: Buffer): void {
    for (let i = 0; i < this.consumers.length; i++) {
      if (this.kinds[i] !== STREAM) continue;
      const consumer = this.consumers[i];
      try {
        (consumer.onChunk as (entry: LayerEntry, chunk: Buffer) => void)(entry, slice);
      } catch (err) {
        throw this.failure(consumer, entry, err);
      }
    }
  }

  /** Delivers the entry to the consumers that asked for it; a promise only when one returns one. */
  deliver(entry: LayerEntry, content: Buffer | undefined): void | Promise<void> {
    return this.deliverFrom(0, entry, content);
  }

  private deliverFrom(start: number, entry: LayerEntry, content: Buffer | undefined): void | Promise<void> {
    for (let i = start; i < this.consumers.length; i++) {
      const kind = this.kinds[i];
      if (kind === NONE) continue;
      const consumer = this.consumers[i];
      let own: Buffer | undefined;
      if (kind === CONTENT && entry.type === 'file') {
        const base = content ?? EMPTY;
        own = base.length > this.limits[i] ? base.subarray(0, this.limits[i]) : base;
      }
      let result: void | Promise<void>;
      try {
        result = consumer.onEntry(entry, own);
      } catch (err) {
        throw this.failure(consumer, entry, err);
      }
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        return this.continueAfter(result as Promise<void>, i, entry, content);
      }
    }
    return undefined;
  }

  private async continueAfter(
    pending: Promise<void>,
    index: number,
    entry: LayerEntry,
    content: Buffer | undefined,
  ): Promise<void> {
    try {
      await pending;
    } catch (err) {
      throw this.failure(this.consumers[index], entry, err);
    }
    const next = this.deliverFrom(index + 1, entry, content);
    if (next !== undefined) await next;
  }

  private failure(consumer: EntryConsumer, entry: LayerEntry, err: unknown): PushgateError {
    return withContext(`${this.label}: consumer ${consumer.id} failed on ${JSON.stringify(entry.path)}`, err);
  }
}
