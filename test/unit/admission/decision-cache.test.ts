import { describe, expect, it } from 'vitest';
import { DecisionCache, type JudgementKey } from '../../../src/admission/decision-cache.js';
import { raceSignal } from '../../../src/admission/race-signal.js';
import { parseImageChange } from '../../../src/store/image-changes.js';

const key = (over: Partial<JudgementKey> = {}): JudgementKey => ({
  registry: 'local',
  repository: 'team/app',
  tag: '1',
  digest: 'sha256:aaa',
  policySetVersion: 'v1',
  namespace: 'prod',
  ...over,
});
const pass = { outcome: 'pass' as const, digest: 'sha256:aaa', reasons: [] };

describe('DecisionCache', () => {
  it('keys by digest, policy set, namespace, repository and tag', () => {
    const cache = new DecisionCache();
    cache.set(key(), pass, cache.generation);
    expect(cache.get(key())).toEqual(pass);
    for (const other of [
      { namespace: 'dev' },
      { policySetVersion: 'v2' },
      { digest: 'sha256:bbb' },
      { repository: 'team/other' },
      { tag: undefined },
    ])
      expect(cache.get(key(other))).toBeUndefined();
  });

  it('keeps a judgement at most 30 s', () => {
    let now = 0;
    const cache = new DecisionCache({ ttlMs: 120_000, now: () => now });
    cache.set(key(), pass, cache.generation);
    now = 29_999;
    expect(cache.get(key())).toEqual(pass);
    now = 30_000;
    expect(cache.get(key())).toBeUndefined();
  });

  it('drops the judgements of changed digests, or all of them', () => {
    const cache = new DecisionCache();
    cache.set(key(), pass, cache.generation);
    cache.set(key({ digest: 'sha256:bbb' }), pass, cache.generation);
    cache.apply({ digests: ['sha256:aaa'] });
    expect(cache.get(key())).toBeUndefined();
    expect(cache.get(key({ digest: 'sha256:bbb' }))).toEqual(pass);
    cache.apply({ all: true });
    expect(cache.get(key({ digest: 'sha256:bbb' }))).toBeUndefined();
  });

  it('does not store a judgement computed before a change', () => {
    const cache = new DecisionCache();
    const generation = cache.generation;
    cache.apply({ digests: ['sha256:zzz'] });
    cache.set(key(), pass, generation);
    expect(cache.get(key())).toBeUndefined();
  });

  it('is bounded: the oldest entry goes first', () => {
    const cache = new DecisionCache({ maxEntries: 2 });
    for (const digest of ['sha256:1', 'sha256:2', 'sha256:3'])
      cache.set(key({ digest }), pass, cache.generation);
    expect(cache.get(key({ digest: 'sha256:1' }))).toBeUndefined();
    expect(cache.get(key({ digest: 'sha256:3' }))).toEqual(pass);
    expect(cache.stats.size).toBe(2);
  });
});

describe('parseImageChange', () => {
  it('reads what pushgate publishes and nothing else', () => {
    expect(parseImageChange('{"digests":["sha256:a"]}')).toEqual({ digests: ['sha256:a'] });
    expect(parseImageChange('{"all":true}')).toEqual({ all: true });
    expect(parseImageChange('{"digests":[1]}')).toBeUndefined();
    expect(parseImageChange('not json')).toBeUndefined();
  });
});

describe('raceSignal', () => {
  it('answers with the work, or aborted when the signal fires first', async () => {
    expect(await raceSignal(Promise.resolve(1), new AbortController().signal)).toEqual({ value: 1 });
    const slow = new Promise<number>((resolve) => setTimeout(() => resolve(2), 200));
    expect(await raceSignal(slow, AbortSignal.timeout(10))).toEqual({ aborted: true });
    const aborted = AbortSignal.abort();
    expect(await raceSignal(Promise.reject(new Error('late')), aborted)).toEqual({ aborted: true });
  });
});
