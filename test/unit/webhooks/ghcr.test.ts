import { describe, expect, it } from 'vitest';
import { ghcrAdapter } from '../../../src/webhooks/ghcr.js';
import { fixture, json } from './fixture.js';

const packageEvent = {
  'x-github-event': 'package',
  'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
};

describe('ghcr adapter', () => {
  it('reads a container package push: lower-cased namespace/name, tag, manifest digest and media type', () => {
    expect(ghcrAdapter.parse(fixture('ghcr', 'package-published-container.json'), packageEvent)).toEqual({
      events: [
        {
          registryHost: 'ghcr.io',
          repository: 'noahvdaa/repositoryname/frontend',
          tag: '1.4.2',
          digest: 'sha256:413d61c146706365b0bb605e999af7a3c861740b1c703dc2c00e3ad7a00e118c',
          mediaType: 'application/vnd.oci.image.index.v1+json',
          eventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          actor: 'NoahvdAa',
        },
      ],
      ignored: 0,
      invalid: 0,
      problems: [],
    });
  });

  it("reads octokit's sample: untagged, 40-hex manifest digest replaced by the version's digest", () => {
    const { events } = ghcrAdapter.parse(fixture('ghcr', 'octokit-package-published-docker.json'), {
      'X-GitHub-Event': 'package',
    });
    expect(events).toEqual([
      {
        registryHost: 'ghcr.io',
        repository: 'codertocat/hello-world/hello-world-npm',
        digest: 'sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498',
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        actor: 'Codertocat',
      },
    ]);
  });

  it('reads the legacy registry_package event', () => {
    const { events } = ghcrAdapter.parse(fixture('ghcr', 'octokit-registry-package-published-docker.json'), {
      'x-github-event': 'registry_package',
    });
    expect(events).toHaveLength(1);
    expect(events[0].digest).toBe('sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498');
  });

  it('infers the event from the body when the header is missing', () => {
    expect(ghcrAdapter.parse(fixture('ghcr', 'package-published-container.json'), {}).events).toHaveLength(1);
    expect(ghcrAdapter.parse(fixture('ghcr', 'ping.json'), {})).toMatchObject({ events: [], ignored: 1 });
    expect(() => ghcrAdapter.parse(json({ hello: 'world' }), {})).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });

  it('ignores ping, other events, other actions and other ecosystems', () => {
    const body = fixture('ghcr', 'package-published-container.json');
    expect(ghcrAdapter.parse(fixture('ghcr', 'ping.json'), { 'x-github-event': 'ping' }).ignored).toBe(1);
    expect(ghcrAdapter.parse(body, { 'x-github-event': 'push' }).ignored).toBe(1);
    const document = JSON.parse(body.toString()) as { action: string; package: Record<string, unknown> };
    expect(ghcrAdapter.parse(json({ ...document, action: 'deleted' }), packageEvent).ignored).toBe(1);
    const npm = { ...document, package: { ...document.package, ecosystem: 'npm', package_type: 'npm' } };
    expect(ghcrAdapter.parse(json(npm), packageEvent).ignored).toBe(1);
  });

  it('counts a package without names or digests as invalid', () => {
    const result = ghcrAdapter.parse(
      json({ action: 'published', package: { package_type: 'CONTAINER', package_version: {} } }),
      packageEvent,
    );
    expect(result).toMatchObject({ events: [], invalid: 1 });
  });

  it('refuses a package event without a package', () => {
    for (const body of ['{"action": "published"}', '{"action": "published", "package": []}', '[]']) {
      expect(() => ghcrAdapter.parse(Buffer.from(body), packageEvent), body).toThrow(
        expect.objectContaining({ code: 'MALFORMED' }),
      );
    }
  });
});
