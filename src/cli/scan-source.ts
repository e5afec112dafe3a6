import { existsSync } from 'node:fs';
import type { PlatformFacts } from '../facts/gather-facts.js';
import type { ResolvedImage } from '../image/types.js';
import { parseReference } from '../oci/reference.js';
import type { EvaluationTarget } from '../policy/evaluate.js';

/** The Docker CLI's own config, when there is one; an explicit --docker-config must exist. */
export function defaultDockerConfig(env: NodeJS.ProcessEnv): string | undefined {
  const path = env.DOCKER_CONFIG
    ? `${env.DOCKER_CONFIG}/config.json`
    : env.HOME
      ? `${env.HOME}/.docker/config.json`
      : undefined;
  return path && existsSync(path) ? path : undefined;
}

export function dockerSocket(env: NodeJS.ProcessEnv): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

/**
 * What policies match on. A registry reference names registry, repository and tag. The other
 * sources name the image through `ResolvedImage.names` (the selector's name, else the archive's
 * RepoTags, the layout's ref names or the engine's tags): one target per name, registry '' unless
 * the name spells one. An image without names is judged under its reference as the repository.
 */
export function evaluationTargets(image: ResolvedImage, platform: PlatformFacts): EvaluationTarget[] {
  const base = {
    digest: platform.manifestDigest ?? platform.facts.image.configDigest,
    image: image.reference,
    platform: platform.platform,
  };
  if (image.source === 'registry') {
    const ref = parseReference(image.reference);
    return [
      {
        ...base,
        registry: ref.registry,
        repository: ref.repository,
        ...(ref.tag ? { tag: ref.tag } : {}),
      },
    ];
  }
  const names = image.names ?? [];
  if (names.length === 0) return [{ ...base, registry: '', repository: image.reference }];
  return names.map((name) => ({
    ...base,
    image: name.reference,
    registry: name.registry,
    repository: name.repository ?? image.reference,
    ...(name.tag !== undefined ? { tag: name.tag } : {}),
  }));
}
