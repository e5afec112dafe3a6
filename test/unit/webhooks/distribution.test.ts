import { describe, expect, it } from 'vitest';
import { MAX_EVENTS_PER_BODY } from '../../../src/webhooks/adapter-result-builder.js';
import { distributionAdapter } from '../../../src/webhooks/distribution.js';
import { DIGEST_A, fixture, hasControlCharacter, json } from './fixture.js';

const parse = (body: Buffer) => distributionAdapter.parse(body, {});
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('distribution adapter', () => {
  it('accepts the v1, v2 and plain JSON content types', () => {
    expect(distributionAdapter.contentTypes).toEqual([
      'application/vnd.docker.distribution.events.v1+json',
      'application/vnd.docker.distribution.events.v2+json',
      'application/json',
    ]);
  });

  it('reads a manifest push captured from distribution 2.8', () => {
    expect(parse(fixture('distribution', 'captured-2.8-manifest-push.json'))).toEqual({
      events: [
        {
          registryHost: '127.0.0.1:36231',
          repository: 'team/app',
          tag: '1.0.0',
          digest: 'sha256:39eaa3ecdebb9f5d5be0f4d92fec9b5cf3f034a3614ce6a8097a2ed829b06609',
          mediaType: MANIFEST,
          eventId: '42221dce-f511-4609-b51d-049163f3dede',
        },
      ],
      ignored: 0,
      invalid: 0,
      problems: [],
    });
  });

  it('ignores the captured blob push and pull', () => {
    for (const name of ['captured-2.8-blob-push.json', 'captured-2.8-manifest-pull.json']) {
      expect(parse(fixture('distribution', name))).toEqual({
        events: [],
        ignored: 1,
        invalid: 0,
        problems: [],
      });
    }
  });

  it("reads the docs' full event (v2 envelope) with its actor", () => {
    const { events } = parse(fixture('distribution', 'notifications-doc-push.json'));
    expect(events).toEqual([
      {
        registryHost: 'registrycluster.local',
        repository: 'library/test',
        digest: 'sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf',
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        eventId: 'asdf-asdf-asdf-asdf-0',
        actor: 'test-actor',
      },
    ]);
  });

  it("ignores the docs' pull event", () => {
    expect(parse(fixture('distribution', 'notifications-doc-pull.json'))).toMatchObject({
      events: [],
      ignored: 1,
    });
  });

  it('reads a v3 tagged index push', () => {
    const { events } = parse(fixture('distribution', 'bridge-v3-index-push.json'));
    expect(events).toEqual([
      {
        registryHost: 'registry.example.com',
        repository: 'team/app',
        tag: '1.4.2',
        digest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        mediaType: 'application/vnd.oci.image.index.v1+json',
        eventId: '5e0f6b0c-1c7a-4c55-9a53-2a3b1d0e9f11',
        actor: 'ci-bot',
      },
    ]);
  });

  it('sorts a hostile mixed batch into events, ignored and invalid', () => {
    const result = parse(fixture('distribution', 'hostile-mixed-batch.json'));
    expect(result.events.map((e) => e.eventId)).toEqual(['ok-manifest', 'bad-digest-with-tag']);
    // The malformed digest is dropped; the tag is kept for the worker to resolve.
    expect(result.events[1]).toMatchObject({ tag: '2.0' });
    expect(result.events[1].digest).toBeUndefined();
    // blob, layer, pull, mount, delete
    expect(result.ignored).toBe(5);
    // no-tag bad digest, upper-case repo, bad tag, numeric action, string target, numeric repo, null, array, string
    expect(result.invalid).toBe(9);
    expect(result.problems).toHaveLength(9);
    for (const problem of result.problems) expect(hasControlCharacter(problem)).toBe(false);
    expect(result.problems).toContain(
      'distribution: events[8]: repository "Team/App" is not a valid repository name',
    );
  });

  it('reads nothing inherited from __proto__ keys and pollutes nothing', () => {
    const result = parse(fixture('distribution', 'hostile-prototype-pollution.json'));
    expect(result.events).toEqual([
      {
        registryHost: 'registry.example.com',
        repository: 'team/app',
        tag: '1.0',
        digest: DIGEST_A,
        mediaType: MANIFEST,
        eventId: 'proto-2',
      },
    ]);
    expect(result.invalid).toBe(1);
    expect(result.problems[0]).toMatch(/events\[0\]: repository is missing/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('treats a push without media type as a manifest only when its URL says so', () => {
    const event = (url: string) => ({
      action: 'push',
      target: { repository: 'team/app', digest: DIGEST_A, url },
      request: { host: 'r.example.com' },
    });
    expect(
      parse(json({ events: [event(`https://r.example.com/v2/team/app/manifests/${DIGEST_A}`)] })).events,
    ).toHaveLength(1);
    expect(
      parse(json({ events: [event(`https://r.example.com/v2/team/app/blobs/${DIGEST_A}`)] })),
    ).toMatchObject({
      events: [],
      ignored: 1,
    });
  });

  it('ignores config and unknown media types pushed', () => {
    const pushed = (mediaType: string) => ({
      action: 'push',
      target: { mediaType, repository: 'team/app', digest: DIGEST_A },
    });
    expect(
      parse(
        json({
          events: [
            pushed('application/vnd.oci.image.config.v1+json'),
            pushed('application/vnd.docker.image.rootfs.diff.tar.gzip'),
            pushed('text/plain'),
          ],
        }),
      ),
    ).toMatchObject({ events: [], ignored: 3, invalid: 0 });
  });

  it('keeps an accepted empty batch empty', () => {
    expect(parse(json({ events: [] }))).toEqual({ events: [], ignored: 0, invalid: 0, problems: [] });
  });

  it('refuses bodies that are not an envelope', () => {
    for (const body of [
      '',
      'not json',
      '[]',
      '{"events": {}}',
      '{"Events": []}',
      'null',
      '"x"',
      '{"events": null}',
    ]) {
      expect(() => parse(Buffer.from(body)), body).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
    expect(() => parse(Buffer.from([0xff, 0xfe, 0x7b]))).toThrow(/not UTF-8/);
  });

  it('refuses a batch larger than the cap before looking at it', () => {
    const events = Array.from({ length: MAX_EVENTS_PER_BODY + 1 }, () => ({ action: 'pull' }));
    expect(() => parse(json({ events }))).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect(parse(json({ events: events.slice(1) })).ignored).toBe(MAX_EVENTS_PER_BODY);
  });

  it('keeps at most ten problems however many events are invalid', () => {
    const result = parse(json({ events: Array.from({ length: 50 }, () => 1) }));
    expect(result.invalid).toBe(50);
    expect(result.problems).toHaveLength(10);
  });

  it('drops a request host that is not a host name', () => {
    const { events } = parse(
      json({
        events: [
          {
            action: 'push',
            target: { mediaType: MANIFEST, repository: 'team/app', tag: 'v1' },
            request: { host: 'evil.example.com/../x y' },
          },
        ],
      }),
    );
    expect(events).toEqual([{ repository: 'team/app', tag: 'v1', mediaType: MANIFEST }]);
  });
});
