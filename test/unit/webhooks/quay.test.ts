import { describe, expect, it } from 'vitest';
import { MAX_EVENTS_PER_BODY } from '../../../src/webhooks/adapter-result-builder.js';
import { quayAdapter } from '../../../src/webhooks/quay.js';
import { fixture, json } from './fixture.js';

const parse = (body: Buffer) => quayAdapter.parse(body, {});

describe('quay adapter', () => {
  it('reads the documented repo_push', () => {
    expect(parse(fixture('quay', 'repo-push-redhat-docs.json'))).toEqual({
      events: [{ registryHost: 'quay.io', repository: 'dgangaia/test', tag: 'latest' }],
      ignored: 0,
      invalid: 0,
      problems: [],
    });
    expect(parse(fixture('quay', 'repo-push-flux-recv.json')).events).toEqual([
      { registryHost: 'quay.io', repository: 'hiddeco/foo', tag: '3.10' },
    ]);
  });

  it('makes one event per updated tag, and counts the bad ones', () => {
    const result = parse(fixture('quay', 'hostile-mixed-tags.json'));
    expect(result.events.map((e) => e.tag)).toEqual(['latest', 'v1.0']);
    expect(result.invalid).toBe(4);
  });

  it('takes the host, port included, from docker_url', () => {
    const body = json({ repository: 'ns/r', docker_url: 'quay.example.com:8443/ns/r', updated_tags: ['a'] });
    expect(parse(body).events[0].registryHost).toBe('quay.example.com:8443');
  });

  it('ignores notifications without updated_tags, or with none', () => {
    expect(parse(json({ repository: 'ns/r', docker_url: 'quay.io/ns/r', build_id: 'x' }))).toMatchObject({
      events: [],
      ignored: 1,
    });
    expect(parse(json({ repository: 'ns/r', updated_tags: [] }))).toMatchObject({ events: [], ignored: 1 });
  });

  it('counts updated_tags of the wrong type as invalid, and refuses a huge list', () => {
    expect(parse(json({ repository: 'ns/r', updated_tags: 'latest' }))).toMatchObject({ invalid: 1 });
    const many = Array.from({ length: MAX_EVENTS_PER_BODY + 1 }, (_, i) => `t${i}`);
    expect(() => parse(json({ repository: 'ns/r', updated_tags: many }))).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });

  it('refuses bodies without a repository', () => {
    for (const body of ['{}', '[]', '{"repository": 5}', 'null']) {
      expect(() => parse(Buffer.from(body)), body).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
  });
});
