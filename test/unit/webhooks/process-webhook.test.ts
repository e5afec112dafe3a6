import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RegistryConfig, WebhookEndpointConfig } from '../../../src/config/types.js';
import { processWebhook, type ProcessWebhookInput } from '../../../src/webhooks/process-webhook.js';
import type { WebhookHeaders } from '../../../src/webhooks/header-value.js';
import type { OwnWriteConfig } from '../../../src/actions/own-writes.js';
import { WebhookError } from '../../../src/webhooks/webhook-error.js';
import { DIGEST_A, fixture, json } from './fixture.js';
import { REGISTRIES, endpoint, registry } from './registries.js';

const TOKEN = 'hook-token-7c1e9a3f0b5d';
const receivedAt = new Date('2025-01-15T10:00:00.000Z');
const own: OwnWriteConfig = {
  tagTemplates: ['{{tag}}-verified', '{{tag}}-quarantined'],
  quarantineRepositoryTemplate: 'quarantine/{{repository}}',
};
const V1 = 'application/vnd.docker.distribution.events.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const bearer = { type: 'bearer', token: TOKEN } as const;

function run(
  ep: WebhookEndpointConfig,
  rawBody: Buffer,
  headers: WebhookHeaders,
  extra: Partial<ProcessWebhookInput> = {},
) {
  return processWebhook({
    endpoint: ep,
    registries: REGISTRIES,
    rawBody,
    headers,
    receivedAt,
    own,
    ...extra,
  });
}

function failure(fn: () => unknown): WebhookError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookError);
    const error = err as WebhookError;
    expect(error.message).not.toContain(TOKEN);
    return error;
  }
  throw new Error('expected a WebhookError');
}

function hmac(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function distributionPush(
  events: Array<{ host?: string; repository?: string; tag?: string; mediaType?: string }>,
): Buffer {
  return json({
    events: events.map((e, i) => ({
      id: `e${i}`,
      action: 'push',
      target: {
        mediaType: e.mediaType ?? MANIFEST,
        digest: DIGEST_A,
        repository: e.repository ?? 'team/app',
        tag: e.tag,
      },
      request: { host: e.host ?? 'registry.example.com' },
    })),
  });
}

describe('processWebhook', () => {
  describe('replays each sender end to end', () => {
    it('distribution: bearer auth, v1 envelope captured from a real registry', () => {
      const registries: RegistryConfig[] = [registry('local', '127.0.0.1:36231')];
      const result = run(
        endpoint('distribution', bearer),
        fixture('distribution', 'captured-2.8-manifest-push.json'),
        { authorization: `Bearer ${TOKEN}`, 'content-type': V1 },
        { registries },
      );
      expect(result).toEqual({
        events: [
          {
            source: 'distribution',
            registry: 'local',
            repository: 'team/app',
            tag: '1.0.0',
            digest: 'sha256:39eaa3ecdebb9f5d5be0f4d92fec9b5cf3f034a3614ce6a8097a2ed829b06609',
            mediaType: MANIFEST,
            eventId: '42221dce-f511-4609-b51d-049163f3dede',
            receivedAt: '2025-01-15T10:00:00.000Z',
          },
        ],
        ignored: 0,
        ownWrites: 0,
        invalid: 0,
        unknownRegistry: 0,
        problems: [],
      });
    });

    it('distribution: blob and pull notifications are accepted and ignored', () => {
      const registries: RegistryConfig[] = [registry('local', '127.0.0.1:36231')];
      for (const name of ['captured-2.8-blob-push.json', 'captured-2.8-manifest-pull.json']) {
        const result = run(
          endpoint('distribution', bearer),
          fixture('distribution', name),
          { authorization: `Bearer ${TOKEN}`, 'content-type': V1 },
          { registries },
        );
        expect(result).toMatchObject({ events: [], ignored: 1, invalid: 0 });
      }
    });

    it('harbor: Authorization header auth, CloudEvents content type', () => {
      const auth = { type: 'header', header: 'Authorization', value: TOKEN } as const;
      const result = run(endpoint('harbor', auth, 'harbor'), fixture('harbor', 'cloudevents-pushed.json'), {
        authorization: TOKEN,
        'content-type': 'application/cloudevents+json',
      });
      expect(result.events).toEqual([
        expect.objectContaining({
          source: 'harbor',
          registry: 'harbor',
          repository: 'harbor/alpine',
          tag: '3.8',
        }),
      ]);
      const byHost = run(endpoint('harbor', auth), fixture('harbor', 'default-push-tag.json'), {
        authorization: TOKEN,
        'content-type': 'application/json',
      });
      expect(byHost.events[0]).toMatchObject({
        registry: 'harbor',
        repository: 'test-webhook/debian',
        tag: 'latest',
      });
    });

    it('dockerhub and quay: secret path segment', () => {
      const auth = { type: 'path', secret: TOKEN } as const;
      const hub = run(
        endpoint('dockerhub', auth),
        fixture('dockerhub', 'push.json'),
        { 'content-type': 'application/json' },
        { pathSecret: TOKEN },
      );
      expect(hub.events).toEqual([
        expect.objectContaining({ registry: 'hub', repository: 'svendowideit/testhook', tag: 'latest' }),
      ]);
      expect(hub.events[0].digest).toBeUndefined();
      const quay = run(
        endpoint('quay', auth),
        fixture('quay', 'repo-push-redhat-docs.json'),
        { 'content-type': 'application/json' },
        { pathSecret: TOKEN },
      );
      expect(quay.events).toEqual([
        expect.objectContaining({ registry: 'quay', repository: 'dgangaia/test', tag: 'latest' }),
      ]);
      expect(
        failure(() =>
          run(endpoint('quay', auth), fixture('quay', 'repo-push-redhat-docs.json'), {
            'content-type': 'application/json',
          }),
        ).code,
      ).toBe('UNAUTHORIZED');
    });

    it('ghcr: X-Hub-Signature-256 over the raw body', () => {
      const auth = {
        type: 'hmac-sha256',
        header: 'X-Hub-Signature-256',
        secret: TOKEN,
        prefix: 'sha256=',
      } as const;
      const body = fixture('ghcr', 'package-published-container.json');
      const headers = {
        'content-type': 'application/json',
        'x-github-event': 'package',
        'x-hub-signature-256': `sha256=${hmac(TOKEN, body)}`,
      };
      expect(run(endpoint('ghcr', auth), body, headers).events).toEqual([
        expect.objectContaining({
          source: 'ghcr',
          registry: 'ghcr',
          repository: 'noahvdaa/repositoryname/frontend',
          tag: '1.4.2',
        }),
      ]);
      const ping = fixture('ghcr', 'ping.json');
      expect(
        run(endpoint('ghcr', auth), ping, {
          ...headers,
          'x-github-event': 'ping',
          'x-hub-signature-256': `sha256=${hmac(TOKEN, ping)}`,
        }),
      ).toMatchObject({ events: [], ignored: 1 });
      // The signature of one body does not authenticate another.
      expect(failure(() => run(endpoint('ghcr', auth), ping, headers)).status).toBe(401);
    });

    it('acr: custom header', () => {
      const auth = { type: 'header', header: 'X-Pushgate-Token', value: TOKEN } as const;
      const result = run(endpoint('acr', auth), fixture('acr', 'push.json'), {
        'content-type': 'application/json; charset=utf-8',
        'x-pushgate-token': TOKEN,
      });
      expect(result.events).toEqual([
        expect.objectContaining({ registry: 'acr', repository: 'hello-world', tag: 'v1' }),
      ]);
    });

    it('jfrog: X-JFrog-Event-Auth, plain and signed', () => {
      const body = fixture('jfrog', 'docker-pushed-docs-data.json');
      const plain = { type: 'header', header: 'X-JFrog-Event-Auth', value: TOKEN } as const;
      const signed = {
        type: 'hmac-sha256',
        header: 'X-JFrog-Event-Auth',
        secret: TOKEN,
        prefix: '',
      } as const;
      const expected = [
        expect.objectContaining({ registry: 'jfrog', repository: 'library/ubuntu', tag: 'latest' }),
      ];
      expect(
        run(endpoint('jfrog', plain), body, {
          'content-type': 'application/json',
          'x-jfrog-event-auth': TOKEN,
        }).events,
      ).toEqual(expected);
      expect(
        run(endpoint('jfrog', signed), body, {
          'content-type': 'application/json',
          'x-jfrog-event-auth': hmac(TOKEN, body),
        }).events,
      ).toEqual(expected);
    });

    it('generic: bearer, array of events', () => {
      const result = run(endpoint('generic', bearer), fixture('generic', 'array.json'), {
        'content-type': 'application/json',
        authorization: `Bearer ${TOKEN}`,
      });
      expect(result.events.map((e) => [e.registry, e.repository])).toEqual([
        ['example', 'team/app'],
        ['example', 'team/api'],
      ]);
    });
  });

  describe('answers every error kind', () => {
    const ep = endpoint('distribution', bearer);
    const good = { authorization: `Bearer ${TOKEN}`, 'content-type': V1 };

    it('401 before anything else is looked at', () => {
      const error = failure(() => run(ep, Buffer.from('not json'), { 'content-type': 'text/plain' }));
      expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      expect(error.toBody()).toEqual({ error: { code: 'UNAUTHORIZED', message: error.message } });
    });

    it('415 before the body is parsed', () => {
      expect(
        failure(() => run(ep, Buffer.from('not json'), { ...good, 'content-type': 'text/plain' })),
      ).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        status: 415,
      });
      expect(failure(() => run(ep, Buffer.from('{}'), { authorization: good.authorization }))).toMatchObject({
        status: 415,
      });
    });

    it('400 for a body that is not JSON or not the sender shape', () => {
      for (const body of ['not json', '{"foo": 1}', '']) {
        expect(
          failure(() => run(ep, Buffer.from(body), good)),
          body,
        ).toMatchObject({ code: 'MALFORMED', status: 400 });
      }
    });

    it('400 for a batch with nothing valid in it', () => {
      const error = failure(() =>
        run(ep, distributionPush([{ repository: 'Bad/Name', tag: 'v1' }, { tag: 'bad tag' }]), good),
      );
      expect(error).toMatchObject({ code: 'MALFORMED', status: 400 });
      expect(error.message).toMatch(/not a valid repository name.*and 1 more invalid/);
    });

    it('422 for a registry host that is not configured', () => {
      const error = failure(() => run(ep, distributionPush([{ host: 'evil.example.com:5000' }]), good));
      expect(error).toMatchObject({ code: 'REGISTRY_NOT_CONFIGURED', status: 422 });
      expect(error.message).toContain('"evil.example.com:5000"');
    });

    it('404 for an endpoint whose adapter does not exist', () => {
      const bogus = {
        name: 'nexus',
        adapter: 'nexus',
        auth: { type: 'none' },
      } as unknown as WebhookEndpointConfig;
      expect(failure(() => run(bogus, json({}), { 'content-type': 'application/json' }))).toMatchObject({
        status: 404,
      });
    });
  });

  describe('batches', () => {
    const ep = endpoint('distribution', { type: 'none' });
    const headers = { 'content-type': V1 };

    it('accepts the valid events of a mixed batch and counts the rest (distribution would resend a 400 forever)', () => {
      const result = run(ep, fixture('distribution', 'hostile-mixed-batch.json'), headers);
      expect(result.events.map((e) => [e.registry, e.eventId, e.tag, e.digest])).toEqual([
        ['example', 'ok-manifest', '1.0', DIGEST_A],
        ['example', 'bad-digest-with-tag', '2.0', undefined],
      ]);
      expect(result).toMatchObject({ ignored: 5, invalid: 9, ownWrites: 0, unknownRegistry: 0 });
      expect(result.problems.length).toBeGreaterThan(0);
    });

    it('accepts a batch of ignored events only', () => {
      expect(run(ep, fixture('distribution', 'notifications-doc-pull.json'), headers)).toMatchObject({
        events: [],
        ignored: 1,
      });
    });

    it('accepts the resolvable events when some name an unknown host; 422 only when none resolves', () => {
      const result = run(
        ep,
        distributionPush([{ host: 'evil.example.com' }, { host: 'localhost:5000' }]),
        headers,
      );
      expect(result.events.map((e) => e.registry)).toEqual(['local']);
      expect(result.unknownRegistry).toBe(1);
      expect(result.problems[0]).toMatch(/"evil.example.com" is not configured/);
      expect(
        failure(() =>
          run(ep, distributionPush([{ host: 'a.example.com' }, { host: 'b.example.com' }]), headers),
        ).status,
      ).toBe(422);
    });

    it('422 is not raised when invalid events are all that could not resolve', () => {
      const result = run(
        ep,
        distributionPush([{ host: 'registry.example.com' }, { repository: 'BAD' }]),
        headers,
      );
      expect(result).toMatchObject({ invalid: 1, unknownRegistry: 0 });
      expect(result.events).toHaveLength(1);
    });
  });

  describe('own writes', () => {
    const ep = endpoint('distribution', { type: 'none' });
    const headers = { 'content-type': V1 };

    it('marks what looks like pushgate tags, referrer tags and quarantine copies, for the worker to check', () => {
      const result = run(
        ep,
        distributionPush([
          { tag: '1.0' },
          { tag: '1.0-verified' },
          { tag: '1.0-quarantined' },
          { tag: `sha256-${'ab'.repeat(32)}` },
          { tag: `sha256-${'ab'.repeat(32)}.sig` },
          { repository: 'quarantine/team/app', tag: '1.0' },
        ]),
        headers,
      );
      // A name alone proves nothing (anyone may push `x-verified`): every event is queued, the
      // likely own writes with a hint the worker checks against the verdicts it stored.
      expect(
        result.events.filter((e) => e.ownWriteHint === undefined).map((e) => `${e.repository}:${e.tag}`),
      ).toEqual(['team/app:1.0']);
      expect(result.events).toHaveLength(6);
      expect(result.ownWrites).toBe(5);
    });

    it('answers 2xx for a body of likely own writes only (nothing wrong)', () => {
      const result = run(ep, distributionPush([{ tag: '1.0-verified' }]), headers);
      expect(result).toMatchObject({ ownWrites: 1, invalid: 0 });
      expect(result.events[0].ownWriteHint).toMatch(/verified/);
    });
  });

  it('never throws anything but WebhookError for hostile bodies on any adapter', () => {
    const bodies = [
      Buffer.alloc(0),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('{'.repeat(100_000)),
      Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`),
      Buffer.from('{"__proto__": {"x": 1}}'),
      json({
        events: [
          { action: 'push', target: { mediaType: MANIFEST, repository: 'a'.repeat(100_000), tag: 'x' } },
        ],
      }),
    ];
    for (const adapter of [
      'distribution',
      'harbor',
      'dockerhub',
      'quay',
      'ghcr',
      'acr',
      'jfrog',
      'generic',
    ] as const) {
      for (const body of bodies) {
        try {
          run(endpoint(adapter), body, { 'content-type': 'application/json', 'x-github-event': 'package' });
        } catch (err) {
          expect(err, `${adapter}: ${body.subarray(0, 20).toString('hex')}`).toBeInstanceOf(WebhookError);
          expect((err as WebhookError).message.length).toBeLessThan(1100);
        }
      }
    }
  });
});
