import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../../src/webhooks/index.js';
import { processWebhook } from '../../../src/webhooks/process-webhook.js';
import { DIGEST_A, json } from './fixture.js';
import { REGISTRIES, endpoint } from './registries.js';

const own = { tagTemplates: ['{{tag}}-verified'], quarantineRepositoryTemplate: '' };
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function push(adapter: 'distribution' | 'acr', tag?: string) {
  const event = {
    id: 'e1',
    action: 'push',
    target: { mediaType: MANIFEST, digest: DIGEST_A, repository: 'team/app', ...(tag ? { tag } : {}) },
    request: { host: 'registry.example.com' },
  };
  const body = adapter === 'distribution' ? { events: [event] } : event;
  const contentType =
    adapter === 'distribution' ? 'application/vnd.docker.distribution.events.v1+json' : 'application/json';
  return processWebhook({
    endpoint: endpoint(adapter),
    registries: REGISTRIES,
    rawBody: json(body),
    headers: { 'content-type': contentType },
    receivedAt: new Date('2025-01-15T10:00:00.000Z'),
    own,
  }).events;
}

describe('sender quirks are declared by the adapters and carried on the event', () => {
  it('distribution and ACR notify each platform manifest: untagged events carry the flag', () => {
    expect(ADAPTERS.filter((a) => a.untaggedManifestsBelongToIndex).map((a) => a.id)).toEqual([
      'distribution',
      'acr',
    ]);
    for (const adapter of ['distribution', 'acr'] as const) {
      expect(push(adapter), adapter).toEqual([
        expect.objectContaining({ untaggedManifestsBelongToIndex: true }),
      ]);
      const [tagged] = push(adapter, '1.0');
      expect(tagged.tag, adapter).toBe('1.0');
      expect(tagged.untaggedManifestsBelongToIndex, adapter).toBeUndefined();
    }
  });

  it('other senders never carry it', () => {
    const events = processWebhook({
      endpoint: endpoint('generic'),
      registries: REGISTRIES,
      rawBody: json([{ registry: 'registry.example.com', repository: 'team/app', digest: DIGEST_A }]),
      headers: { 'content-type': 'application/json' },
      receivedAt: new Date(),
      own,
    }).events;
    expect(events).toHaveLength(1);
    expect(events[0].untaggedManifestsBelongToIndex).toBeUndefined();
  });
});
