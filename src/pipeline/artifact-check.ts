import { isRecord } from '../is-record.js';
import { MediaType } from '../image/media-types.js';

const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MediaType.ociConfig, MediaType.dockerConfig]);

/**
 * Why a manifest is not an image to judge (a signature, SBOM, attestation or pushgate's own verdict
 * artifact), or undefined for an image or index. Artifacts fire push events too; inspecting them
 * would at best waste work and at worst make pushgate act on its own writes forever.
 */
export function artifactReason(manifest: unknown): string | undefined {
  if (!isRecord(manifest)) return undefined;
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
