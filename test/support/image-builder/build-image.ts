import type { HistoryEntry, ImageConfig, Platform } from '../../../src/oci/types.js';
import { FIXED_CREATED, jsonBlob, makeBlob, sha256Digest } from './blob.js';
import { compressLayer } from './compress-layer.js';
import { layerMediaType, MT } from './media-types.js';
import { tarLayer } from './tar-layer.js';
import type { BuiltImage, BuiltLayer, ImageSpec } from './types.js';

const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

function history(spec: ImageSpec, created: string): HistoryEntry[] {
  const empties = spec.emptyLayerHistory ?? [];
  for (const e of empties) {
    if (e.afterLayer < -1 || e.afterLayer >= spec.layers.length) {
      throw new Error(`emptyLayerHistory "${e.createdBy}": afterLayer ${e.afterLayer} is not a layer index`);
    }
  }
  const emptyAfter = (layer: number): HistoryEntry[] =>
    empties
      .filter((e) => e.afterLayer === layer)
      .map((e) => ({ created, created_by: e.createdBy, empty_layer: true }));
  const entries: HistoryEntry[] = emptyAfter(-1);
  spec.layers.forEach((layer, i) => {
    entries.push({ created, created_by: layer.createdBy ?? 'ADD files in /' });
    entries.push(...emptyAfter(i));
  });
  return entries;
}

/** Builds one single-platform image in memory: layer blobs, config and manifest, all with digests. */
export async function buildImage(spec: ImageSpec): Promise<BuiltImage> {
  const format = spec.format ?? 'oci';
  const platform = spec.platform ?? DEFAULT_PLATFORM;
  const created = spec.created ?? FIXED_CREATED;

  const layers: BuiltLayer[] = [];
  for (const layer of spec.layers) {
    const tar = await tarLayer(layer.files);
    const compression = layer.compression ?? 'gzip';
    const blob = makeBlob(layerMediaType(format, compression), compressLayer(tar, compression));
    layers.push({ ...blob, diffId: sha256Digest(tar), uncompressedSize: tar.length });
  }

  const configJson: ImageConfig & { 'os.version'?: string } = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant !== undefined ? { variant: platform.variant } : {}),
    ...(platform['os.version'] !== undefined ? { 'os.version': platform['os.version'] } : {}),
    created,
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: history(spec, created),
  };
  const written = spec.rawConfig
    ? spec.rawConfig(JSON.parse(JSON.stringify(configJson)) as Record<string, unknown>)
    : configJson;
  const config = jsonBlob(format === 'oci' ? MT.ociConfig : MT.dockerConfig, written);

  const manifestMediaType = format === 'oci' ? MT.ociManifest : MT.dockerManifest;
  const manifest = jsonBlob(manifestMediaType, {
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  });

  return { kind: 'image', manifest, config, configJson: written as ImageConfig, layers, platform };
}
