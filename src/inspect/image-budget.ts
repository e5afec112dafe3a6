/**
 * The uncompressed bytes an image may still inflate, shared by all its layers. Layers are read at
 * the same time, in worker threads too, so the count lives in shared memory and every change is
 * one atomic add: two layers can never both spend the last bytes.
 */
export class ImageBudget {
  /** Hand this to a worker thread; `new ImageBudget(shared)` there sees and charges the same count. */
  readonly shared: SharedArrayBuffer;
  readonly #cell: BigInt64Array;

  constructor(bytesOrShared: number | SharedArrayBuffer) {
    if (typeof bytesOrShared === 'number') {
      this.shared = new SharedArrayBuffer(8);
      this.#cell = new BigInt64Array(this.shared);
      // Clamped: a limit past 2^53 (no maximum in the schema) must not wrap in 64 bits and refuse all.
      this.#cell[0] = BigInt(Math.floor(Math.min(bytesOrShared, Number.MAX_SAFE_INTEGER)));
    } else {
      this.shared = bytesOrShared;
      this.#cell = new BigInt64Array(bytesOrShared);
    }
  }

  get remainingUncompressedBytes(): number {
    return Number(Atomics.load(this.#cell, 0));
  }

  /** Spends `bytes` and returns what remains (negative: the image is over its limit). */
  take(bytes: number): number {
    return Number(Atomics.sub(this.#cell, 0, BigInt(bytes))) - bytes;
  }

  /** Returns bytes a failed layer had spent, so that a retry is not charged twice. */
  giveBack(bytes: number): void {
    Atomics.add(this.#cell, 0, BigInt(bytes));
  }
}
