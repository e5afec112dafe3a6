import { describe, expect, it } from 'vitest';
import { acrAdapter } from '../../../src/webhooks/acr.js';
import { fixture, json } from './fixture.js';

const parse = (body: Buffer) => acrAdapter.parse(body, {});

describe('acr adapter', () => {
  it('reads the documented push', () => {
    expect(parse(fixture('acr', 'push.json'))).toEqual({
      events: [
        {
          registryHost: 'myregistry.azurecr.io',
          repository: 'hello-world',
          tag: 'v1',
          digest: 'sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d',
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          eventId: 'cb8c3971-9adc-488b-bdd8-43cbb4974ff5',
        },
      ],
      ignored: 0,
      invalid: 0,
      problems: [],
    });
  });

  it('reads a chart push', () => {
    expect(parse(fixture('acr', 'chart-push.json')).events).toEqual([
      expect.objectContaining({
        repository: 'repo',
        tag: 'wordpress-5.4.0.tgz',
        mediaType: 'application/vnd.acr.helm.chart',
      }),
    ]);
  });

  it('ignores ping, delete and quarantine', () => {
    expect(parse(fixture('acr', 'ping.json'))).toEqual({ events: [], ignored: 1, invalid: 0, problems: [] });
    for (const action of ['delete', 'quarantine', 'chart_delete']) {
      expect(parse(json({ action, target: { repository: 'a', tag: 'b' } })).ignored).toBe(1);
    }
  });

  it('counts a push without a usable target as invalid', () => {
    expect(parse(json({ action: 'push' }))).toMatchObject({ events: [], invalid: 1 });
    expect(parse(json({ action: 'push', target: { repository: 'a' } }))).toMatchObject({ invalid: 1 });
  });

  it('refuses bodies without an action', () => {
    for (const body of ['{}', '[]', '{"action": 1}', '{"events": []}']) {
      expect(() => parse(Buffer.from(body)), body).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
  });
});
