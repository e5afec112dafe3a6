import type { Readable } from 'node:stream';

import { PushgateError, withContext } from '../errors.js';
import { parseImageConfig } from '../oci/image-config.js';
import { parseManifest, platformOf, type ImageIndex, type ImageManifest } from '../oci/manifest.js';
import type { LayoutFiles } from './layout-files.js';
import { isImageManifestMediaType, isIndexMediaType } from '../oci/media-types.js';
import {
  addSkipped,
  MAX_INDEX_CHILDREN,
  MAX_INDEX_DEPTH,
  noPlatformError,
  selectManifests,
} from './select-manifests.js';
import type { PlatformFilter, PlatformImage, ResolvedImage } from './types.js';
import type { Descriptor } from '../oci/types.js';
import { blobPath, readVerifiedBlob } from './verified-blob.js';

/**
 * Manifests and indexes read for one resolution. Per-index limits alone allow a hostile layout to
 * list the same nested index 256 times at every level (256⁴ reads); this bounds the total.
 */
export const MAX_MANIFESTS_PER_RESOLVE = 1024;

function budget(location: string): () => void {
  let reads = 0;
  return () => {
    if (++reads > MAX_MANIFESTS_PER_RESOLVE) {
      throw new PushgateError(
        'MANIFEST_INVALID',
        `${location}: more than ${MAX_MANIFESTS_PER_RESOLVE} manifests and indexes to read; refusing`,
      );
    }
  };
}

/** Reads and verifies a manifest or index blob of the layout. */
export async function readLayoutManifest(
  files: LayoutFiles,
  descriptor: Descriptor,
): Promise<ImageManifest | ImageIndex> {
  const what = isIndexMediaType(descriptor.mediaType) ? 'index' : 'manifest';
  const body = await readVerifiedBlob(files, descriptor, what);
  let parsed: ImageManifest | ImageIndex;
  try {
    parsed = parseManifest(body, descriptor.mediaType);
  } catch (err) {
    throw withContext(`${files.location}: ${what} ${descriptor.digest}`, err);
  }
  const expected = isIndexMediaType(descriptor.mediaType) ? 'index' : 'manifest';
  if (
    (isIndexMediaType(descriptor.mediaType) || isImageManifestMediaType(descriptor.mediaType)) &&
    parsed.kind !== expected
  ) {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `${files.location}: ${descriptor.digest} is listed as ${descriptor.mediaType} but holds ${parsed.mediaType}`,
    );
  }
  return parsed;
}

/**
 * One image of a layout: manifest and config verified against their digests, every layer blob
 * present with the size its descriptor declares (contents are verified by whoever streams them).
 */
export async function loadLayoutImage(files: LayoutFiles, descriptor: Descriptor): Promise<PlatformImage> {
  const manifest = await readLayoutManifest(files, descriptor);
  if (manifest.kind !== 'manifest') {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `${files.location}: ${descriptor.digest} is an index, not an image`,
    );
  }
  const configBytes = await readVerifiedBlob(files, manifest.config, 'config');
  let config;
  try {
    config = parseImageConfig(configBytes);
  } catch (err) {
    throw withContext(`${files.location}: config ${manifest.config.digest}`, err);
  }
  const diffIds = config.rootfs?.diff_ids;
  if (diffIds && diffIds.length !== manifest.layers.length) {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `${files.location}: manifest ${descriptor.digest} lists ${manifest.layers.length} layers but its config has ${diffIds.length} diff_ids`,
    );
  }
  const paths: string[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    const path = blobPath(layer.digest);
    const size = await files.size(path);
    if (size === undefined) {
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${files.location}: layer ${i} (${layer.digest}) of manifest ${descriptor.digest} is missing (${path})`,
      );
    }
    if (size !== layer.size) {
      throw new PushgateError(
        'SIZE_MISMATCH',
        `${files.location}: layer ${i} (${layer.digest}) is ${size} bytes, its descriptor says ${layer.size}`,
      );
    }
    paths.push(path);
  }
  return {
    platform: platformOf(config, descriptor.platform),
    manifestDigest: descriptor.digest,
    manifestMediaType: manifest.mediaType,
    ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers.map((layer, i) => ({
      descriptor: layer,
      ...(diffIds ? { diffId: diffIds[i] } : {}),
    })),
    openLayer: async (index: number): Promise<Readable> => {
      const path = paths[index];
      if (path === undefined) {
        throw new PushgateError(
          'INTERNAL',
          `layer index ${index} out of range (image has ${paths.length} layers)`,
        );
      }
      return files.stream(path);
    },
  };
}

export interface LayoutResolution {
  platforms: PlatformImage[];
  skipped: ResolvedImage['skipped'];
}

/**
 * Expands index children into images: nested indexes followed (depth-limited), attestations and
 * other platforms skipped and counted, every manifest and config verified.
 */
export async function resolveLayoutChildren(
  files: LayoutFiles,
  children: Descriptor[],
  filter: PlatformFilter | undefined,
  reference: string,
): Promise<LayoutResolution> {
  const skipped: ResolvedImage['skipped'] = { attestations: 0, otherPlatforms: 0, unknownManifests: 0 };
  const platforms: PlatformImage[] = [];
  const seen: Descriptor[] = [];
  const count = budget(files.location);
  // An index may list the same manifest or nested index more than once; read each once.
  const done = new Set<string>();

  const expand = async (list: Descriptor[], depth: number): Promise<void> => {
    const selection = selectManifests(list, filter, depth);
    addSkipped(skipped, selection.skipped);
    seen.push(...list);
    for (const child of list) {
      if (done.has(child.digest)) continue;
      if (selection.images.includes(child)) {
        done.add(child.digest);
        count();
        platforms.push(await loadLayoutImage(files, child));
      } else if (selection.indexes.includes(child)) {
        done.add(child.digest);
        count();
        const nested = await readLayoutManifest(files, child);
        if (nested.kind !== 'index') {
          throw new PushgateError('MANIFEST_INVALID', `${files.location}: ${child.digest} is not an index`);
        }
        await expand(nested.manifests, depth + 1);
      }
    }
  };
  await expand(children, 0);

  if (platforms.length === 0) {
    if (filter) throw noPlatformError(reference, filter, seen);
    throw new PushgateError(
      'ARCHIVE_INVALID',
      `${reference} holds no image manifest (skipped ${skipped.attestations} attestations, ${skipped.unknownManifests} other manifests)`,
    );
  }
  return { platforms, skipped };
}

/**
 * Finds the image manifest whose config is `configDigest` under `children` (nested indexes
 * followed), or `undefined`. Docker ≥ 25 `docker save` archives carry such an index next to
 * their `manifest.json`; this recovers the manifest digest from it.
 */
export async function findManifestByConfig(
  files: LayoutFiles,
  children: Descriptor[],
  configDigest: string,
  depth = 0,
  count: () => void = budget(files.location),
): Promise<{ descriptor: Descriptor; manifest: ImageManifest } | undefined> {
  if (depth > MAX_INDEX_DEPTH) {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `${files.location}: indexes nested deeper than ${MAX_INDEX_DEPTH} levels`,
    );
  }
  if (children.length > MAX_INDEX_CHILDREN) {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `${files.location}: index lists ${children.length} manifests`,
    );
  }
  for (const child of children) {
    if (!isIndexMediaType(child.mediaType) && !isImageManifestMediaType(child.mediaType)) continue;
    // Multi-platform saves hold only the local platform's blobs: absent children are normal.
    if ((await files.size(blobPath(child.digest))) === undefined) continue;
    count();
    const parsed = await readLayoutManifest(files, child);
    if (parsed.kind === 'manifest') {
      if (parsed.config.digest === configDigest) return { descriptor: child, manifest: parsed };
    } else {
      const found = await findManifestByConfig(files, parsed.manifests, configDigest, depth + 1, count);
      if (found) return found;
    }
  }
  return undefined;
}
