import { describe, expect, it } from 'vitest';
import { cachedFor } from '../../../src/server/cached-for.js';

describe('cachedFor', () => {
  it('runs the load at most once per window, shares a running load, and forgets failures', async () => {
    let clock = 0;
    let runs = 0;
    let fail = false;
    const get = cachedFor(
      1000,
      async () => {
        runs++;
        if (fail) throw new Error('redis down');
        return runs;
      },
      () => clock,
    );
    expect(await Promise.all([get(), get()])).toEqual([1, 1]);
    clock = 999;
    expect(await get()).toBe(1);
    clock = 1000;
    fail = true;
    await expect(get()).rejects.toThrow('redis down');
    fail = false;
    expect(await get()).toBe(3);
    expect(runs).toBe(3);
  });
});
