import { DOCKER_HUB } from '../oci/reference.js';
import type { RegistryConfig } from './types.js';

const DOCKER_HUB_HOSTS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/**
 * A registry host in the form used for matching: lower-case, no trailing dot, default ports (`:443`,
 * `:80`) dropped, Docker Hub's several names folded into `docker.io`.
 */
export function normaliseRegistryHost(host: string): string {
  const normalised = host
    .trim()
    .toLowerCase()
    .replace(/:(?:443|80)$/, '')
    .replace(/\.(:[0-9]+)?$/, '$1');
  return DOCKER_HUB_HOSTS.has(normalised) ? DOCKER_HUB : normalised;
}

/**
 * The configured registry a host names (its `host` or one of its `aliases`), or undefined. The one
 * rule webhook intake, the API and config validation share: hosts come from configuration only.
 */
export function findRegistryByHost(
  registries: readonly RegistryConfig[],
  host: string,
): RegistryConfig | undefined {
  const wanted = normaliseRegistryHost(host);
  return registries.find((r) =>
    [r.host, ...(r.aliases ?? [])].some((h) => normaliseRegistryHost(h) === wanted),
  );
}
