/** A seeded xorshift32 generator: the next unsigned 32-bit number on each call (tests' random data). */
export function xorshift(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}
