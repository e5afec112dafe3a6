import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { binaryRegions, MIN_RUN } from '../../../src/secrets/scan-binary.js';
import { RUNS_SLICE } from '../../../src/secrets/token-runs-wasm.js';
import { TokenRuns } from '../../../src/secrets/token-runs.js';
import { runJitless } from '../../support/run-jitless.js';
import { xorshift } from '../../support/xorshift.js';

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./+=';
const TOKEN = new Uint8Array(256);
for (const c of TOKEN_CHARS) TOKEN[c.charCodeAt(0)] = 1;

function runs(bytes: Uint8Array, minRun = MIN_RUN): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  new TokenRuns(TOKEN).scan(bytes, minRun, (start, end) => out.push([start, end]));
  return out;
}

/** Deterministic bytes where about `share` of them are token characters. */
function mixed(length: number, seed: number, share: number): Buffer {
  const out = Buffer.alloc(length);
  const next = xorshift(seed);
  for (let i = 0; i < length; i++) {
    const x = next();
    const r = x / 2 ** 32;
    out[i] =
      r < share
        ? TOKEN_CHARS.charCodeAt((x >>> 8) % TOKEN_CHARS.length)
        : [0x00, 0x20, 0x90, 0xff][(x >>> 8) & 3];
  }
  return out;
}

describe('TokenRuns', () => {
  it('reports maximal runs of at least minRun, 15 and longer but not 14, wherever they fall', () => {
    const bytes = Buffer.alloc(3 * RUNS_SLICE + 40, 0x00);
    bytes.fill('a', 3, 3 + 15); // 15: reported
    bytes.fill('b', 40, 40 + 14); // 14: not
    bytes.fill('c', RUNS_SLICE - 7, RUNS_SLICE + 9); // across a slice edge
    bytes.fill('d', RUNS_SLICE + 100, 3 * RUNS_SLICE + 5); // over a whole slice
    bytes.fill('e', bytes.length - 20); // to the end
    expect(runs(bytes)).toEqual([
      [3, 18],
      [RUNS_SLICE - 7, RUNS_SLICE + 9],
      [RUNS_SLICE + 100, 3 * RUNS_SLICE + 5],
      [bytes.length - 20, bytes.length],
    ]);
    // A whole last slice of token bytes: the run ends with the input.
    expect(runs(Buffer.alloc(2 * RUNS_SLICE, 'x'))).toEqual([[0, 2 * RUNS_SLICE]]);
    expect(runs(Buffer.from('abcdefghijklmno'))).toEqual([[0, 15]]);
    expect(runs(Buffer.from('abcdefghijklmn'))).toEqual([]);
    expect(runs(Buffer.alloc(0))).toEqual([]);
    expect(() => runs(Buffer.alloc(10), 14)).toThrow(/minRun must be ≥ 15/);
  });

  it('gives binaryRegions the regions of the byte-by-byte sampler on random mixes and a real ELF', () => {
    const inputs = [
      ...[0.3, 0.7, 0.9, 0.97].map((share, i) => mixed(2 * RUNS_SLICE + 1234, 17 + i, share)),
      readFileSync('/usr/bin/docker-registry'),
    ];
    for (const bytes of inputs) {
      const simd = binaryRegions(bytes);
      expect(simd).toEqual(binaryRegions(bytes, null));
    }
    // Many runs, so the comparison above is not between empty lists.
    expect(runs(inputs[2]).length).toBeGreaterThan(100);
  });

  it('is what binaryRegions uses here; without WebAssembly it samples bytes instead, with the same regions', () => {
    const script =
      "const { binaryRegions } = await import('./src/secrets/scan-binary.ts');" +
      "const bytes = Buffer.alloc(200, 0); bytes.fill('k', 170, 190);" +
      'console.log(JSON.stringify(binaryRegions(bytes)));';
    const out = runJitless(script);
    expect(JSON.parse(out)).toEqual([[10, 200]]);
  });
});
