import { describe, expect, it } from 'vitest';
import { harborAdapter } from '../../../src/webhooks/harbor.js';
import { DIGEST_A, fixture, json } from './fixture.js';

const parse = (body: Buffer) => harborAdapter.parse(body, {});

describe('harbor adapter', () => {
  it('accepts JSON and CloudEvents content types', () => {
    expect(harborAdapter.contentTypes).toEqual(['application/json', 'application/cloudevents+json']);
  });

  it('reads a default-format push with a tag', () => {
    expect(parse(fixture('harbor', 'default-push-tag.json'))).toEqual({
      events: [
        {
          registryHost: 'hub.harbor.com',
          repository: 'test-webhook/debian',
          tag: 'latest',
          digest: 'sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8',
          actor: 'admin',
        },
      ],
      ignored: 0,
      invalid: 0,
      problems: [],
    });
  });

  it('reads a tag that is really the digest as the digest, with no tag (goharbor/harbor#20939)', () => {
    expect(parse(fixture('harbor', 'default-push-digest-as-tag.json')).events).toEqual([
      {
        registryHost: 'localhost',
        repository: 'harbor/alpine',
        digest: 'sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4',
        actor: 'harbor-jobservice',
      },
    ]);
  });

  it('reads a CloudEvents push with its id and operator', () => {
    expect(parse(fixture('harbor', 'cloudevents-pushed.json')).events).toEqual([
      {
        registryHost: 'localhost',
        repository: 'harbor/alpine',
        tag: '3.8',
        digest: 'sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4',
        eventId: '66e18103-09c1-41f6-982f-37df223f3eeb',
        actor: 'admin',
      },
    ]);
  });

  it('ignores pulls and scan results in either format', () => {
    for (const name of ['cloudevents-pulled.json', 'default-scanning-completed.json']) {
      expect(parse(fixture('harbor', name))).toEqual({ events: [], ignored: 1, invalid: 0, problems: [] });
    }
  });

  it('uses the digest field when the tag is a digest and both are given', () => {
    const body = json({
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [
          {
            digest: DIGEST_A,
            tag: `sha256:${'ef'.repeat(32)}`,
            resource_url: `h.example.com/p/a@${DIGEST_A}`,
          },
        ],
        repository: { namespace: 'p', name: 'a' },
      },
    });
    expect(parse(body).events).toEqual([
      { registryHost: 'h.example.com', repository: 'p/a', digest: DIGEST_A },
    ]);
  });

  it('reads every resource of a push', () => {
    const body = json({
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [
          { digest: DIGEST_A, tag: 'v1', resource_url: 'h.example.com/p/a:v1' },
          { digest: DIGEST_A, tag: 'v2', resource_url: 'h.example.com/p/a:v2' },
        ],
        repository: { repo_full_name: 'p/a' },
      },
    });
    expect(parse(body).events.map((e) => e.tag)).toEqual(['v1', 'v2']);
  });

  it('counts hostile pushes as invalid', () => {
    expect(parse(fixture('harbor', 'hostile-wrong-types.json'))).toMatchObject({ events: [], invalid: 1 });
    const malformed = parse(fixture('harbor', 'hostile-malformed-digest-as-tag.json'));
    expect(malformed).toMatchObject({ events: [], invalid: 1 });
    expect(malformed.problems[0]).toMatch(/neither a tag nor a valid digest/);
  });

  it('has no host when resource_url names none', () => {
    const body = json({
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [{ tag: 'v1', resource_url: 'library/busybox:v1' }],
        repository: { repo_full_name: 'library/busybox' },
      },
    });
    expect(parse(body).events).toEqual([{ repository: 'library/busybox', tag: 'v1' }]);
  });

  it('refuses bodies that are neither format', () => {
    for (const body of [
      '[]',
      '{}',
      '{"type": 1, "event_data": {}}',
      '{"type": "PUSH_ARTIFACT"}',
      '{"specversion": "1.0"}',
    ]) {
      expect(() => parse(Buffer.from(body)), body).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
  });
});
