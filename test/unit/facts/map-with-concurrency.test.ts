import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../../src/facts/map-with-concurrency.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mapWithConcurrency', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([30, 10, 20, 5, 1], 2, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await tick(ms);
      running--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40]);
    expect(peak).toBe(2);
  });

  it('starts nothing new after a failure and rejects with it', async () => {
    const started: number[] = [];
    await expect(
      mapWithConcurrency([0, 1, 2, 3, 4], 2, async (i) => {
        started.push(i);
        await tick(5);
        if (i === 0) throw new Error('layer 0 is corrupt');
        return i;
      }),
    ).rejects.toThrow('layer 0 is corrupt');
    expect(started).toEqual([0, 1]);
  });
});
