import { describe, expect, it } from 'vitest';
import { matchesScope } from '../../../src/policy/match-scope.js';
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
