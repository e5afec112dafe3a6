import { describe, expect, it } from 'vitest';
import { jfrogAdapter } from '../../../src/webhooks/jfrog.js';
import { fixture, json } from './fixture.js';

const parse = (body: Buffer) => jfrogAdapter.parse(body, {});

describe('jfrog adapter', () => {
  it("reads the docs' docker pushed data: image_name, tag, sha256 hex → digest, host from jpd_origin", () => {
    expect(parse(fixture('jfrog', 'docker-pushed-docs-data.json'))).toEqual({
      events: [
        {
          registryHost: 'acme.jfrog.io',
          repository: 'library/ubuntu',
          tag: 'latest',
          digest: 'sha256:35c4a2c15539c6c1e4e5fa4e554dac323ad0107d8eb5c582d6ff386b383b7dce',
        },
      ],
      ignored: 0,
      invalid: 0,
      problems: [],
    });
    expect(parse(fixture('jfrog', 'docker-pushed-reconstructed.json')).events).toEqual([
      {
        registryHost: 'acme.jfrog.io',
        repository: 'team/app',
        tag: '1.4.2',
        digest: 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
      },
    ]);
  });

  it('lower-cases upper-case hex and drops a malformed checksum', () => {
    const event = (sha256: unknown) =>
      json({ domain: 'docker', event_type: 'pushed', data: { image_name: 'a/b', tag: 't', sha256 } });
    expect(parse(event('AB'.repeat(32))).events[0].digest).toBe(`sha256:${'ab'.repeat(32)}`);
    expect(parse(event('abc')).events[0]).toEqual({ repository: 'a/b', tag: 't' });
    expect(parse(event(42)).events[0].digest).toBeUndefined();
  });

  it('has no host without jpd_origin', () => {
    const body = json({ domain: 'docker', event_type: 'pushed', data: { image_name: 'a/b', tag: 't' } });
    expect(parse(body).events[0].registryHost).toBeUndefined();
  });

  it('ignores other domains and event types', () => {
    for (const [domain, eventType] of [
      ['docker', 'deleted'],
      ['docker', 'promoted'],
      ['artifact', 'deployed'],
    ]) {
      expect(parse(json({ domain, event_type: eventType, data: {} }))).toMatchObject({
        events: [],
        ignored: 1,
      });
    }
  });

  it('counts a push without data as invalid, refuses other shapes', () => {
    expect(parse(json({ domain: 'docker', event_type: 'pushed' }))).toMatchObject({ invalid: 1 });
    for (const body of ['{}', '[]', '{"domain": "docker"}', '{"domain": 1, "event_type": "pushed"}']) {
      expect(() => parse(Buffer.from(body)), body).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
  });
});
