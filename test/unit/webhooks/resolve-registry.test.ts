import { describe, expect, it } from 'vitest';
import { normaliseRegistryHost } from '../../../src/config/registry-hosts.js';
import { resolveRegistry } from '../../../src/webhooks/resolve-registry.js';
import { DIGEST_A } from './fixture.js';
import { REGISTRIES, endpoint, registry } from './registries.js';

const receivedAt = new Date('2025-01-15T10:00:00.000Z');
const notConfigured = expect.objectContaining({ code: 'REGISTRY_NOT_CONFIGURED', status: 422 });

describe('normaliseRegistryHost', () => {
  it('folds case, default ports, trailing dots and Docker Hub names', () => {
    expect(normaliseRegistryHost('Registry.Example.COM:443')).toBe('registry.example.com');
    expect(normaliseRegistryHost('registry.example.com:80')).toBe('registry.example.com');
    expect(normaliseRegistryHost('registry.example.com.')).toBe('registry.example.com');
    expect(normaliseRegistryHost('registry.example.com.:8443')).toBe('registry.example.com:8443');
    expect(normaliseRegistryHost('registry.example.com:4430')).toBe('registry.example.com:4430');
    for (const hub of [
      'index.docker.io',
      'registry-1.docker.io',
      'registry.hub.docker.com',
      'DOCKER.IO:443',
    ]) {
      expect(normaliseRegistryHost(hub)).toBe('docker.io');
    }
  });
});

describe('resolveRegistry', () => {
  const context = { endpoint: endpoint('distribution'), registries: REGISTRIES, receivedAt };

  it('names the configured registry whose host the event names, and stamps the event', () => {
    expect(
      resolveRegistry(
        {
          registryHost: 'registry.example.com:443',
          repository: 'a/b',
          tag: 't',
          digest: DIGEST_A,
          eventId: 'e',
          actor: 'x',
          mediaType: 'm/n',
        },
        context,
      ),
    ).toEqual({
      source: 'distribution',
      registry: 'example',
      repository: 'a/b',
      tag: 't',
      digest: DIGEST_A,
      mediaType: 'm/n',
      eventId: 'e',
      actor: 'x',
      receivedAt: '2025-01-15T10:00:00.000Z',
    });
  });

  it('matches aliases and Docker Hub names', () => {
    expect(
      resolveRegistry({ registryHost: 'localhost:5000', repository: 'a', tag: 't' }, context).registry,
    ).toBe('local');
    expect(
      resolveRegistry({ registryHost: 'REGISTRY.INTERNAL', repository: 'a', tag: 't' }, context).registry,
    ).toBe('local');
    expect(
      resolveRegistry({ registryHost: 'index.docker.io', repository: 'a', tag: 't' }, context).registry,
    ).toBe('hub');
    const hubByApiHost = [registry('hub2', 'registry-1.docker.io')];
    expect(
      resolveRegistry(
        { registryHost: 'docker.io', repository: 'a', tag: 't' },
        { ...context, registries: hubByApiHost },
      ).registry,
    ).toBe('hub2');
  });

  it('refuses hosts that are not configured with 422, quoting the host safely', () => {
    for (const registryHost of [
      'evil.example.com',
      '127.0.0.1:5001',
      '127.0.0.1',
      'registry.example.com:8443',
    ]) {
      expect(
        () => resolveRegistry({ registryHost, repository: 'a', tag: 't' }, context),
        registryHost,
      ).toThrow(notConfigured);
    }
    expect(() => resolveRegistry({ repository: 'a', tag: 't' }, context)).toThrow(/names no registry host/);
  });

  it('puts every event of a bound endpoint in its registry, whatever the payload says', () => {
    const bound = { ...context, endpoint: endpoint('dockerhub', { type: 'none' }, 'local') };
    expect(
      resolveRegistry({ registryHost: 'evil.example.com', repository: 'a', tag: 't' }, bound).registry,
    ).toBe('local');
    expect(resolveRegistry({ repository: 'a', tag: 't' }, bound)).toMatchObject({
      registry: 'local',
      source: 'dockerhub',
    });
  });

  it('refuses a bound endpoint whose registry is not configured', () => {
    const bound = { ...context, endpoint: endpoint('generic', { type: 'none' }, 'missing') };
    expect(() => resolveRegistry({ repository: 'a', tag: 't' }, bound)).toThrow(notConfigured);
  });
});
