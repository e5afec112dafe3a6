import { describe, expect, it } from 'vitest';
import { genericAdapter } from '../../../src/webhooks/generic.js';
import { fixture, hasControlCharacter, json } from './fixture.js';

const parse = (body: Buffer) => genericAdapter.parse(body, {});

describe('generic adapter', () => {
  it('reads one event', () => {
    expect(parse(fixture('generic', 'single.json'))).toEqual({
      events: [
        {
          registryHost: 'registry.example.com',
          repository: 'team/app',
          tag: '1.4.2',
          digest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        },
      ],
      ignored: 0,
      invalid: 0,
      problems: [],
    });
  });

  it('reads an array of events', () => {
    expect(parse(fixture('generic', 'array.json')).events).toEqual([
      { registryHost: 'registry.example.com', repository: 'team/app', tag: '1.4.2' },
      {
        registryHost: 'registry.example.com:443',
        repository: 'team/api',
        digest: 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        eventId: 'ci-run-8812',
      },
    ]);
  });

  it('accepts an event without registry (for endpoints bound to one) and a URL as registry', () => {
    expect(parse(json({ repository: 'a/b', tag: 't' })).events).toEqual([{ repository: 'a/b', tag: 't' }]);
    expect(
      parse(json({ registry: 'https://R.example.com:5000', repository: 'a/b', tag: 't' })).events[0],
    ).toEqual({
      registryHost: 'r.example.com:5000',
      repository: 'a/b',
      tag: 't',
    });
  });

  it('counts every hostile name, tag, digest and type as invalid, never echoing credentials', () => {
    const result = parse(fixture('generic', 'hostile-invalid-names.json'));
    expect(result.events).toEqual([]);
    expect(result.invalid).toBe(17);
    expect(result.problems).toHaveLength(10);
    for (const problem of result.problems) {
      expect(problem).not.toContain('secret');
      expect(hasControlCharacter(problem)).toBe(false);
      expect(problem.length).toBeLessThan(300);
    }
  });

  it('refuses scalars and empty arrays', () => {
    for (const body of ['[]', '"x"', '42', 'null', 'true']) {
      expect(() => parse(Buffer.from(body)), body).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
  });
});
