import { isRecord } from '../is-record.js';
import { layerCompression, MediaType } from '../oci/media-types.js';

const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MediaType.ociConfig, MediaType.dockerConfig]);

/**
 * Why a manifest is not an image to judge (a signature, SBOM, attestation or pushgate's own verdict
 * artifact), or undefined for an image or index. Artifacts fire push events too; inspecting them
 * would at best waste work and at worst make pushgate act on its own writes forever.
 */
export function artifactReason(manifest: unknown): string | undefined {
  if (!isRecord(manifest)) return undefined;
  // What a runtime would run is judged, whatever else it says: a `subject` or an `artifactType` on
  // a manifest with an image config and filesystem layers would otherwise walk it past every policy.
  if (isRunnable(manifest)) return undefined;
  if (isRecord(manifest.subject)) return 'manifest has a subject (a referrer: signature, SBOM or verdict)';
  const children = manifest.manifests;
  if (
    Array.isArray(children) &&
    children.length > 0 &&
    children.every((child) => isRecord(child) && typeof child.artifactType === 'string')
  ) {
    return 'index of artifacts only (a referrers fallback index)';
  }
  if (typeof manifest.artifactType === 'string') return `artifact of type ${manifest.artifactType}`;
  const config = manifest.config;
  if (isRecord(config) && typeof config.mediaType === 'string' && !IMAGE_CONFIG_TYPES.has(config.mediaType)) {
    return `config media type ${config.mediaType} is not an image config`;
  }
  return undefined;
}

/** An image config and at least one layer, every layer a filesystem layer: a container runs it. */
function isRunnable(manifest: Record<string, unknown>): boolean {
  const { config, layers } = manifest;
  return (
    isRecord(config) &&
    typeof config.mediaType === 'string' &&
    IMAGE_CONFIG_TYPES.has(config.mediaType) &&
    Array.isArray(layers) &&
    layers.length > 0 &&
    layers.every(
      (layer) =>
        isRecord(layer) &&
        typeof layer.mediaType === 'string' &&
        layerCompression(layer.mediaType) !== undefined,
    )
  );
}
