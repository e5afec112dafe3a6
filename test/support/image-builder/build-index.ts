import type { Platform } from '../../../src/oci/types.js';
import { FIXED_CREATED, jsonBlob, makeBlob, sha256Digest } from './blob.js';
import { MT } from './media-types.js';
import type { BuiltImage, BuiltIndex } from './types.js';

const UNKNOWN_PLATFORM: Platform = { os: 'unknown', architecture: 'unknown' };

/** A BuildKit-style attestation manifest (OCI, one in-toto layer) for `image`. */
function attestationFor(image: BuiltImage): BuiltImage {
  const statement = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [
      {
        name: `pkg:docker/test/image?platform=${encodeURIComponent(platformString(image.platform))}`,
        digest: { sha256: image.manifest.digest.slice('sha256:'.length) },
      },
    ],
    predicate: { builder: { id: '' }, buildType: 'https://mobyproject.org/buildkit@v1', metadata: {} },
  };
  const layerData = Buffer.from(JSON.stringify(statement));
  const layerBlob = makeBlob(MT.inToto, layerData);
  const layer = { ...layerBlob, diffId: layerBlob.digest, uncompressedSize: layerData.length };
  const configJson = {
    architecture: 'unknown',
    os: 'unknown',
    created: FIXED_CREATED,
    config: {},
    rootfs: { type: 'layers', diff_ids: [sha256Digest(layerData)] },
  };
  const config = jsonBlob(MT.ociConfig, configJson);
  const manifest = jsonBlob(MT.ociManifest, {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: [
      {
        mediaType: layer.mediaType,
        digest: layer.digest,
        size: layer.size,
        annotations: { 'in-toto.io/predicate-type': statement.predicateType },
      },
    ],
  });
  return {
    kind: 'image',
    manifest,
    config,
    configJson: { ...configJson, history: [] },
    layers: [layer],
    platform: UNKNOWN_PLATFORM,
  };
}

function platformString(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined).join('/');
}

/**
 * An OCI index (or Docker manifest list) over `images`, each listed with its platform. With
 * `attestation`, each image also gets a BuildKit attestation manifest, listed after all images.
 */
export async function buildIndex(
  images: BuiltImage[],
  options: { format?: 'oci' | 'docker'; attestation?: boolean } = {},
): Promise<BuiltIndex> {
  const format = options.format ?? 'oci';
  const attestations = options.attestation ? images.map(attestationFor) : [];
  const mediaType = format === 'oci' ? MT.ociIndex : MT.dockerList;
  const manifests = [
    ...images.map((img) => ({
      mediaType: img.manifest.mediaType,
      digest: img.manifest.digest,
      size: img.manifest.size,
      platform: img.platform,
    })),
    ...attestations.map((att, i) => ({
      mediaType: att.manifest.mediaType,
      digest: att.manifest.digest,
      size: att.manifest.size,
      annotations: {
        'vnd.docker.reference.digest': images[i].manifest.digest,
        'vnd.docker.reference.type': 'attestation-manifest',
      },
      platform: att.platform,
    })),
  ];
  const index = jsonBlob(mediaType, { schemaVersion: 2, mediaType, manifests });
  return { kind: 'index', index, images, attestations };
}
