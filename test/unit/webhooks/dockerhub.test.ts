import { describe, expect, it } from 'vitest';
import { dockerhubAdapter } from '../../../src/webhooks/dockerhub.js';
import { fixture, json } from './fixture.js';

const parse = (body: Buffer) => dockerhubAdapter.parse(body, {});

describe('dockerhub adapter', () => {
  it('reads the documented push: docker.io, repo_name, tag, no digest', () => {
    expect(parse(fixture('dockerhub', 'push.json'))).toEqual({
      events: [
        {
          registryHost: 'docker.io',
          repository: 'svendowideit/testhook',
          tag: 'latest',
          actor: 'trustedbuilder',
        },
      ],
      ignored: 0,
      invalid: 0,
      problems: [],
    });
  });

  it('puts official images under library/', () => {
    const body = json({ push_data: { tag: '1.27' }, repository: { repo_name: 'nginx' } });
    expect(parse(body).events[0].repository).toBe('library/nginx');
  });

  it('counts a push without a tag or with an invalid name as invalid', () => {
    expect(parse(json({ push_data: {}, repository: { repo_name: 'a/b' } }))).toMatchObject({
      events: [],
      invalid: 1,
    });
    expect(parse(json({ push_data: { tag: 'x' }, repository: { repo_name: 'A/B' } }))).toMatchObject({
      invalid: 1,
    });
    expect(parse(json({ push_data: { tag: 'x' }, repository: {} }))).toMatchObject({ invalid: 1 });
  });

  it('refuses other shapes', () => {
    for (const body of [
      '{}',
      '[]',
      '{"push_data": "x", "repository": {}}',
      '{"repository": {"repo_name": "a/b"}}',
    ]) {
      expect(() => parse(Buffer.from(body)), body).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
  });
});
