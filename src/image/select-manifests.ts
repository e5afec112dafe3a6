import { PushgateError } from '../errors.js';
import { formatPlatform } from '../oci/manifest.js';
import { isImageManifestMediaType, isIndexMediaType } from '../oci/media-types.js';
import type { PlatformFilter, ResolvedImage } from './types.js';
import type { Descriptor } from '../oci/types.js';

export const MAX_INDEX_CHILDREN = 256;
export const MAX_INDEX_DEPTH = 4;

/**
 * A BuildKit attestation manifest: platform `unknown/unknown`, or the attestation annotation on a
 * child with no platform. The annotation alone never skips a child that names a real platform: a
 * runtime picks children by platform, so such a child would run without ever being judged.
 */
export function isAttestation(descriptor: Descriptor): boolean {
  const p = descriptor.platform;
  if (p?.os === 'unknown' && p.architecture === 'unknown') return true;
  const type = descriptor.annotations?.['vnd.docker.reference.type'];
  return type === 'attestation-manifest' && (p === undefined || (p.os === '' && p.architecture === ''));
}

export function parsePlatformFilter(text: string): PlatformFilter {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new PushgateError('USAGE', `--platform must be os/arch[/variant], got "${text}"`);
  }
  const [os, architecture, variant] = parts;
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function matchesPlatform(descriptor: Descriptor, filter: PlatformFilter | undefined): boolean {
  if (!filter) return true;
  // A child without a platform is treated as linux/amd64, as the other tools do.
  const p = descriptor.platform ?? { os: 'linux', architecture: 'amd64' };
  if (p.os !== filter.os || p.architecture !== filter.architecture) return false;
  return filter.variant === undefined || p.variant === filter.variant;
}

export interface Selection {
  /** Image manifests to read, in index order. */
  images: Descriptor[];
  /** Nested indexes to expand (the caller fetches them and calls `selectManifests` again, depth + 1). */
  indexes: Descriptor[];
  skipped: ResolvedImage['skipped'];
}

/**
 * Chooses which children of an index to read: image manifests matching the platform filter,
 * attestation manifests skipped and counted, unknown media types counted (never an error).
 */
export function selectManifests(
  children: Descriptor[],
  filter: PlatformFilter | undefined,
  depth: number,
): Selection {
  if (depth > MAX_INDEX_DEPTH) {
    throw new PushgateError('MANIFEST_INVALID', `indexes nested deeper than ${MAX_INDEX_DEPTH} levels`);
  }
  if (children.length > MAX_INDEX_CHILDREN) {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `index lists ${children.length} manifests (limit ${MAX_INDEX_CHILDREN})`,
    );
  }
  const selection: Selection = {
    images: [],
    indexes: [],
    skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
  };
  for (const child of children) {
    if (isIndexMediaType(child.mediaType)) {
      selection.indexes.push(child);
    } else if (!isImageManifestMediaType(child.mediaType)) {
      selection.skipped.unknownManifests++;
    } else if (isAttestation(child)) {
      selection.skipped.attestations++;
    } else if (!matchesPlatform(child, filter)) {
      selection.skipped.otherPlatforms++;
    } else {
      selection.images.push(child);
    }
  }
  return selection;
}

export function addSkipped(into: ResolvedImage['skipped'], from: ResolvedImage['skipped']): void {
  into.attestations += from.attestations;
  into.otherPlatforms += from.otherPlatforms;
  into.unknownManifests += from.unknownManifests;
}

export function noPlatformError(
  reference: string,
  filter: PlatformFilter,
  available: Descriptor[],
): PushgateError {
  const list = available
    .filter((d) => isImageManifestMediaType(d.mediaType) && !isAttestation(d))
    .map((d) => (d.platform ? formatPlatform(d.platform) : 'linux/amd64'));
  return new PushgateError(
    'PLATFORM_NOT_FOUND',
    `${reference} has no image for ${formatPlatform(filter)}; available: ${list.join(', ') || 'none'}`,
  );
}
