import type { RegistryConfig, WebhookAuthConfig, WebhookEndpointConfig } from '../../../src/config/types.js';
import type { AdapterId } from '../../../src/config/types.js';

export function registry(name: string, host: string, aliases: string[] = []): RegistryConfig {
  return { name, url: `https://${host}`, host, aliases, allowDelete: true };
}

export const REGISTRIES: readonly RegistryConfig[] = [
  registry('local', '127.0.0.1:5000', ['localhost:5000', 'registry.internal']),
  registry('example', 'registry.example.com'),
  registry('hub', 'docker.io'),
  registry('harbor', 'hub.harbor.com'),
  registry('quay', 'quay.io'),
  registry('ghcr', 'ghcr.io'),
  registry('acr', 'myregistry.azurecr.io'),
  registry('jfrog', 'acme.jfrog.io'),
];

export function endpoint(
  adapter: AdapterId,
  auth: WebhookAuthConfig = { type: 'none' },
  bound?: string,
): WebhookEndpointConfig {
  return { name: adapter, adapter, auth, ...(bound !== undefined ? { registry: bound } : {}) };
}
