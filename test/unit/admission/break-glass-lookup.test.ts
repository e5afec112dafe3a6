import { describe, expect, it } from 'vitest';
import { createBreakGlassLookup } from '../../../src/admission/break-glass-lookup.js';
import type { BreakGlassExemption } from '../../../src/store/break-glass.js';

const T0 = Date.UTC(2026, 0, 1);

function exemption(namespace: string, untilMs: number): BreakGlassExemption {
  return {
    namespace,
    until: new Date(untilMs).toISOString(),
    reason: 'why',
    by: 'alice',
    grantedAt: new Date(T0).toISOString(),
  };
}

/** A loader that counts its calls and answers what the test sets, when the test says. */
function loader(initial: BreakGlassExemption[]) {
  const state = {
    list: initial,
    calls: 0,
    fail: false,
    /** Set: each load waits for this promise. */
    gate: undefined as Promise<void> | undefined,
  };
  const load = async (): Promise<BreakGlassExemption[]> => {
    state.calls += 1;
    if (state.gate) await state.gate;
    if (state.fail) throw new Error('Redis is down');
    return state.list;
  };
  return { state, load };
}

const signal = (): AbortSignal => new AbortController().signal;

describe('createBreakGlassLookup', () => {
  it('loads once per ttl: reviews in between cost no load', async () => {
    let now = T0;
    const { state, load } = loader([exemption('team-a', T0 + 3_600_000)]);
    const lookup = createBreakGlassLookup(load, { ttlMs: 5000, now: () => now });
    expect((await lookup.exemption('team-a', signal()))?.by).toBe('alice');
    for (let i = 0; i < 50; i++) {
      now += 50;
      expect(await lookup.exemption(i % 2 ? 'team-a' : 'other', signal())).toEqual(
        i % 2 ? state.list[0] : undefined,
      );
    }
    expect(state.calls).toBe(1);
    // Past 60% of its life: answered from the cache, reloaded in the background.
    now = T0 + 3500;
    expect(await lookup.exemption('team-a', signal())).toBeDefined();
    await Promise.resolve();
    expect(state.calls).toBe(2);
  });

  it('never honours a cached exemption once its time is up', async () => {
    let now = T0;
    const { state, load } = loader([exemption('team-a', T0 + 1000)]);
    const lookup = createBreakGlassLookup(load, { ttlMs: 5000, now: () => now });
    expect(await lookup.exemption('team-a', signal())).toBeDefined();
    now = T0 + 1000;
    expect(await lookup.exemption('team-a', signal())).toBeUndefined();
    expect(state.calls).toBe(1);
  });

  it('a revocation is seen once the list is older than the ttl', async () => {
    let now = T0;
    const { state, load } = loader([exemption('team-a', T0 + 3_600_000)]);
    const lookup = createBreakGlassLookup(load, { ttlMs: 5000, now: () => now });
    expect(await lookup.exemption('team-a', signal())).toBeDefined();
    state.list = [];
    now = T0 + 5000;
    expect(await lookup.exemption('team-a', signal())).toBeUndefined();
  });

  it('fails closed: a failed load means not exempt, and is not retried for every review', async () => {
    let now = T0;
    const errors: string[] = [];
    const { state, load } = loader([exemption('team-a', T0 + 3_600_000)]);
    const lookup = createBreakGlassLookup(load, {
      ttlMs: 5000,
      retryAfterMs: 1000,
      now: () => now,
      onError: (err) => errors.push(err.message),
    });
    expect(await lookup.exemption('team-a', signal())).toBeDefined();
    state.fail = true;
    now = T0 + 6000;
    expect(await lookup.exemption('team-a', signal())).toBeUndefined();
    expect(errors).toEqual(['Redis is down']);
    now += 500;
    expect(await lookup.exemption('team-a', signal())).toBeUndefined();
    expect(state.calls).toBe(2);
    state.fail = false;
    now += 600;
    expect(await lookup.exemption('team-a', signal())).toBeDefined();
    expect(state.calls).toBe(3);
  });

  it('a slow load does not hold a review past waitMs (not exempt), nor past its deadline', async () => {
    let release!: () => void;
    const { state, load } = loader([exemption('team-a', Date.now() + 3_600_000)]);
    state.gate = new Promise<void>((resolve) => (release = resolve));
    const lookup = createBreakGlassLookup(load, { ttlMs: 5000, waitMs: 50 });
    const started = Date.now();
    expect(await lookup.exemption('team-a', signal())).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    const aborted = new AbortController();
    const pending = lookup.exemption('team-a', aborted.signal);
    aborted.abort();
    expect(await pending).toBeUndefined();
    // The load finishes later and serves the next review; concurrent misses shared one load.
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await lookup.exemption('team-a', signal())).toBeDefined();
    expect(state.calls).toBe(1);
  });
});
