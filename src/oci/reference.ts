import { PushgateError } from '../errors.js';
import { parseDigest } from './digest.js';
import { printable } from '../escape-text.js';

/** A registry image reference, normalised the way Docker does it. */
export interface ImageReference {
  /** Registry as users name it: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /** Repository path inside the registry: `library/nginx`, `team/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
/** Docker Hub's registry API lives on another host than the name users write. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);
export const DEFAULT_TAG = 'latest';

// distribution/reference grammar (reference.go) and distribution-spec name/tag rules.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const MAX_NAME_LENGTH = 255;

function invalid(text: string, why: string): PushgateError {
  return new PushgateError('REFERENCE_INVALID', `invalid image reference "${printable(text)}": ${why}`);
}

/**
 * Parses `HOST/REPO:TAG`, `HOST/REPO@sha256:…`, `HOST/REPO:TAG@sha256:…` and Docker Hub short
 * names (`nginx` → docker.io/library/nginx:latest). As in Docker, the first path component is a
 * registry host only if it contains `.` or `:` or is `localhost`; `latest` is implied when the
 * reference names neither a tag nor a digest.
 */
export function parseReference(text: string): ImageReference {
  if (text.length === 0) throw invalid(text, 'it is empty');
  if (text.length > 4096) throw invalid(text, 'it is too long');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw invalid(text, 'write HOST/REPOSITORY[:TAG], without a URL scheme');
  }
  if (/\s/.test(text)) throw invalid(text, 'it contains whitespace');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest, 'REFERENCE_INVALID');
    } catch (err) {
      throw invalid(text, (err as Error).message);
    }
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      throw invalid(text, `tag "${printable(tag)}" must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`);
    }
  }

  let registry = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      if (!DOMAIN.test(first)) throw invalid(text, `"${printable(first)}" is not a valid registry host`);
      registry = first;
      repository = rest.slice(slash + 1);
    }
  }
  if (DOCKER_HUB_ALIASES.has(registry.toLowerCase())) {
    registry = DOCKER_HUB;
  }
  if (repository === '') throw invalid(text, 'the repository name is empty');
  const components = repository.split('/');
  for (const component of components) {
    if (component !== component.toLowerCase() && PATH_COMPONENT.test(component.toLowerCase())) {
      throw invalid(text, 'repository names must be lowercase');
    }
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(
        text,
        `repository component "${printable(component)}" must be lowercase letters and digits separated by ".", "_", "__" or "-"`,
      );
    }
  }
  if (registry === DOCKER_HUB && components.length === 1) repository = `library/${repository}`;
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH) {
    throw invalid(text, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The canonical text of a reference: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** Host (and port) that serves the registry API for a registry name. */
export function registryApiHost(registry: string): string {
  return DOCKER_HUB_ALIASES.has(registry.toLowerCase()) ? DOCKER_HUB_API_HOST : registry;
}

export function isValidRepository(repository: string): boolean {
  return repository.length <= MAX_NAME_LENGTH && repository.split('/').every((c) => PATH_COMPONENT.test(c));
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}
