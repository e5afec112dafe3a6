import { Readable } from 'node:stream';
import { gatherFacts, type GatherOptions, type PlatformFacts } from '../../src/facts/gather-facts.js';
import type { ResolvedImage } from '../../src/image/types.js';
import type { BuiltImage } from './image-builder.js';

/** A builder image as a resolved image source (layers served from memory). */
export function resolvedFromBuilt(image: BuiltImage, reference = 'test/image:1'): ResolvedImage {
  return {
    reference,
    source: 'oci',
    platforms: [
      {
        platform: image.platform,
        manifestDigest: image.manifest.digest,
        manifestMediaType: image.manifest.mediaType,
        configDigest: image.config.digest,
        config: image.configJson,
        layers: image.layers.map((layer) => ({
          descriptor: { mediaType: layer.mediaType, digest: layer.digest, size: layer.size },
          diffId: layer.diffId,
        })),
        openLayer: async (i) => Readable.from([image.layers[i].data]),
      },
    ],
    skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
  };
}

/** Scans a builder image with the real walker and extractors; returns its one platform's facts. */
export async function scanBuiltImage(image: BuiltImage, options: GatherOptions = {}): Promise<PlatformFacts> {
  const [result] = await gatherFacts(resolvedFromBuilt(image), options);
  return result;
}
