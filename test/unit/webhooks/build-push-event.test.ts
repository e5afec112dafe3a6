import { describe, expect, it } from 'vitest';
import { buildPushEvent, normaliseMediaType } from '../../../src/webhooks/build-push-event.js';
import { DIGEST_A } from './fixture.js';

describe('buildPushEvent', () => {
  it('keeps valid fields and omits absent ones', () => {
    expect(buildPushEvent({ repository: 'a/b', tag: 'v1', digest: DIGEST_A, registryHost: 'r.io' })).toEqual({
      event: { repository: 'a/b', tag: 'v1', digest: DIGEST_A, registryHost: 'r.io' },
    });
    expect(buildPushEvent({ repository: 'a/b', digest: DIGEST_A })).toEqual({
      event: { repository: 'a/b', digest: DIGEST_A },
    });
  });

  it('accepts sha512 digests', () => {
    const sha512 = `sha512:${'0'.repeat(128)}`;
    expect(buildPushEvent({ repository: 'a', digest: sha512 })).toEqual({
      event: { repository: 'a', digest: sha512 },
    });
  });

  it('drops a malformed digest when there is a tag, refuses the event when there is not', () => {
    for (const digest of [
      `sha256:${'a'.repeat(63)}`,
      `sha256:${'A'.repeat(64)}`,
      'md5:abc',
      42,
      `sha256:${'a'.repeat(5000)}`,
    ]) {
      expect(buildPushEvent({ repository: 'a/b', tag: 'v1', digest })).toEqual({
        event: { repository: 'a/b', tag: 'v1' },
      });
      const refused = buildPushEvent({ repository: 'a/b', digest });
      expect('problem' in refused && refused.problem).toMatch(/neither a tag nor a valid digest/);
    }
    expect(buildPushEvent({ repository: 'a/b' })).toEqual({
      problem: 'neither a tag nor a valid digest (no digest)',
    });
  });

  it('refuses invalid repositories and tags', () => {
    for (const repository of [
      '',
      'A/b',
      '../x',
      'a//b',
      '/a',
      'a/',
      'a b',
      'a'.repeat(256),
      5,
      null,
      undefined,
      ['a'],
    ]) {
      expect(buildPushEvent({ repository, tag: 'v1' }), String(repository)).toHaveProperty('problem');
    }
    for (const tag of ['-x', '.x', 'a:b', 'a/b', 'x'.repeat(129), 5, true, {}]) {
      expect(buildPushEvent({ repository: 'a', tag, digest: DIGEST_A }), String(tag)).toHaveProperty(
        'problem',
      );
    }
  });

  it('treats an empty or null tag as none', () => {
    expect(buildPushEvent({ repository: 'a', tag: '', digest: DIGEST_A })).toEqual({
      event: { repository: 'a', digest: DIGEST_A },
    });
    expect(buildPushEvent({ repository: 'a', tag: null, digest: DIGEST_A })).toEqual({
      event: { repository: 'a', digest: DIGEST_A },
    });
  });

  it('cleans or drops descriptive fields', () => {
    const built = buildPushEvent({
      repository: 'a',
      tag: 't',
      mediaType: 'Application/VND.OCI.image.manifest.v1+json; charset=x',
      eventId: 12345,
      actor: 'ci\u202e-bot\u0007',
    });
    expect(built).toEqual({
      event: {
        repository: 'a',
        tag: 't',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        eventId: '12345',
        actor: 'ci-bot',
      },
    });
    const dropped = buildPushEvent({
      repository: 'a',
      tag: 't',
      mediaType: 'nonsense',
      eventId: 'a b\n',
      actor: 'x'.repeat(600),
    });
    expect(dropped).toEqual({ event: { repository: 'a', tag: 't' } });
    expect(normaliseMediaType({})).toBeUndefined();
  });
});
