import { describe, expect, it } from 'vitest';
import { matchesScope, modeFor } from '../../../src/policy/match-scope.js';
import type { PolicySpec } from '../../../src/policy/types.js';

const target = {
  registry: 'registry.test:5000',
  repository: 'prod/team/api',
  tag: 'v1.2',
  platform: 'linux/arm64/v8',
};

function matches(
  spec: Pick<PolicySpec, 'match' | 'exclude'>,
  t: Partial<typeof target> & { tag?: string } = {},
): boolean {
  return matchesScope({ spec }, { ...target, ...t });
}

describe('matchesScope', () => {
  it('matches everything without match', () => {
    expect(matches({})).toBe(true);
  });

  it('`**` crosses segments, `*` does not', () => {
    expect(matches({ match: { repositories: ['prod/**'] } })).toBe(true);
    expect(matches({ match: { repositories: ['prod/*'] } })).toBe(false);
    expect(matches({ match: { repositories: ['prod/*'] } }, { repository: 'prod/api' })).toBe(true);
    expect(matches({ match: { repositories: ['staging/**'] } })).toBe(false);
  });

  it('requires every named field and any glob of a list', () => {
    expect(
      matches({
        match: { registries: ['*'], repositories: ['dev/**', 'prod/**'], platforms: ['linux/*/*'] },
      }),
    ).toBe(true);
    expect(matches({ match: { registries: ['other.test'], repositories: ['prod/**'] } })).toBe(false);
    expect(matches({ match: { platforms: ['linux/amd64'] } })).toBe(false);
  });

  it('a tag scope never matches an untagged image', () => {
    expect(matches({ match: { tags: ['*'] } }, { tag: undefined })).toBe(false);
    expect(matches({ match: { tags: ['v*'] } })).toBe(true);
    expect(matches({ exclude: { tags: ['*'] } }, { tag: undefined })).toBe(true);
  });

  it('exclude wins over match', () => {
    expect(
      matches({ match: { repositories: ['prod/**'] }, exclude: { repositories: ['prod/team/*'] } }),
    ).toBe(false);
    expect(
      matches({ match: { repositories: ['prod/**'] }, exclude: { repositories: ['prod/other/*'] } }),
    ).toBe(true);
    expect(matches({ exclude: { tags: ['latest'] } }, { tag: 'latest' })).toBe(false);
    // An exclude with several fields excludes only when all of them match.
    expect(matches({ exclude: { repositories: ['prod/**'], tags: ['latest'] } })).toBe(true);
  });

  it('an empty exclude excludes nothing', () => {
    expect(matches({ exclude: {} })).toBe(true);
  });
});

describe('modeFor', () => {
  const mode = (
    spec: Pick<PolicySpec, 'mode' | 'modes'>,
    t: Partial<typeof target> = {},
  ): ReturnType<typeof modeFor> => modeFor({ spec }, { ...target, ...t });
  const prodThenAudit: Pick<PolicySpec, 'modes'> = {
    modes: [{ match: { repositories: ['prod/**'] }, mode: 'enforce' }, { mode: 'audit' }],
  };

  it('is mode, or enforce, without modes', () => {
    expect(mode({})).toBe('enforce');
    expect(mode({ mode: 'audit' })).toBe('audit');
  });

  it('takes the first entry whose match contains the image; an entry without match contains all', () => {
    expect(mode(prodThenAudit)).toBe('enforce');
    expect(mode(prodThenAudit, { repository: 'dev/api' })).toBe('audit');
    // First match, not most specific: the broader entry first wins.
    expect(
      mode({
        modes: [
          { match: { repositories: ['prod/**'] }, mode: 'audit' },
          { match: { repositories: ['prod/team/*'] }, mode: 'enforce' },
        ],
      }),
    ).toBe('audit');
  });

  it('falls back to mode when no entry contains the image', () => {
    const spec: Pick<PolicySpec, 'mode' | 'modes'> = {
      mode: 'audit',
      modes: [{ match: { repositories: ['prod/**'], tags: ['v*'] }, mode: 'enforce' }],
    };
    expect(mode(spec, { tag: 'v2' })).toBe('enforce');
    expect(mode(spec, { tag: 'nightly' })).toBe('audit');
    expect(mode(spec, { tag: undefined })).toBe('audit');
    expect(mode({ modes: spec.modes }, { tag: 'nightly' })).toBe('enforce');
  });
});

describe('namespaces (admission)', () => {
  const inNs = (namespace: string): Partial<typeof target> & { namespace: string } => ({ namespace });
  const matchNs = (spec: Pick<PolicySpec, 'match' | 'exclude'>, namespace?: string): boolean =>
    matchesScope({ spec }, { ...target, ...(namespace !== undefined ? inNs(namespace) : {}) });

  it('matches the pod namespace with globs, together with the other fields', () => {
    expect(matchNs({ match: { namespaces: ['prod-*'] } }, 'prod-eu')).toBe(true);
    expect(matchNs({ match: { namespaces: ['prod-*'] } }, 'dev')).toBe(false);
    expect(matchNs({ match: { namespaces: ['prod-*'], repositories: ['dev/**'] } }, 'prod-eu')).toBe(false);
    expect(matchNs({ exclude: { namespaces: ['sandbox'] } }, 'sandbox')).toBe(false);
    expect(matchNs({ exclude: { namespaces: ['sandbox'] } }, 'prod')).toBe(true);
  });

  it('without a namespace (a push), `namespaces` is as if it were not written', () => {
    // match: the rest of the scope decides, as before namespaces existed.
    expect(matchNs({ match: { namespaces: ['prod-*'] } })).toBe(true);
    expect(matchNs({ match: { namespaces: ['prod-*'], repositories: ['dev/**'] } })).toBe(false);
    // exclude naming only namespaces is empty for a push: it excludes nothing.
    expect(matchNs({ exclude: { namespaces: ['sandbox'] } })).toBe(true);
    // exclude naming more: the rest of it decides.
    expect(matchNs({ exclude: { namespaces: ['sandbox'], repositories: ['prod/**'] } })).toBe(false);
    expect(matchNs({ exclude: { namespaces: ['sandbox'], repositories: ['dev/**'] } })).toBe(true);
  });

  it('modes entries match namespaces; without one, the entry is judged on its other fields', () => {
    const spec: Pick<PolicySpec, 'mode' | 'modes'> = {
      modes: [
        { match: { namespaces: ['prod-*'], repositories: ['prod/**'] }, mode: 'enforce' },
        { mode: 'audit' },
      ],
    };
    expect(modeFor({ spec }, { ...target, namespace: 'prod-eu' })).toBe('enforce');
    expect(modeFor({ spec }, { ...target, namespace: 'dev' })).toBe('audit');
    expect(modeFor({ spec }, target)).toBe('enforce');
    expect(modeFor({ spec }, { ...target, repository: 'dev/api' })).toBe('audit');
  });
});
