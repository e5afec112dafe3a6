import { describe, expect, it } from 'vitest';
import { challengeScopes, parseAuthChallenges } from '../../../src/registry/auth-challenge.js';

describe('parseAuthChallenges', () => {
  it('parses a Bearer challenge with realm, service and scope', () => {
    const [challenge] = parseAuthChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
    );
    expect(challenge).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:samalba/my-app:pull,push',
      },
    });
    expect(challengeScopes(challenge)).toEqual(['repository:samalba/my-app:pull,push']);
  });

  it('parses several challenges, unquoted values, escapes and error parameters', () => {
    const challenges = parseAuthChallenges(
      'Basic realm="reg", Bearer realm="https://a/t", error=insufficient_scope, scope="repository:a:pull repository:b:pull", x="q\\"uote"',
    );
    expect(challenges.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(challenges[1].params.error).toBe('insufficient_scope');
    expect(challenges[1].params.x).toBe('q"uote');
    expect(challengeScopes(challenges[1])).toEqual(['repository:a:pull', 'repository:b:pull']);
  });

  it('accepts header arrays and never throws on garbage', () => {
    expect(parseAuthChallenges(['Basic realm="a"', 'Bearer realm="b"']).map((c) => c.params.realm)).toEqual([
      'a',
      'b',
    ]);
    expect(parseAuthChallenges(undefined)).toEqual([]);
    for (const junk of ['', '===', '"unterminated', 'Bearer realm="x', ',,,', '\u0000\u0001 Bearer']) {
      expect(() => parseAuthChallenges(junk)).not.toThrow();
    }
  });
});
