/**
 * Writers for images the typed image builder refuses to express: config bytes that are not what
 * JSON.stringify would write (100,000-deep values), docker-save archives with compressed or
 * oddly named layer files, and OCI layouts whose blobs, index or manifest are hand-made.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { BuiltBlob, BuiltImage } from '../../support/image-builder.js';
import { writeTarFile, type ArchiveEntry } from '../../support/image-builder/write-tar-file.js';

export const OCI = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  tar: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

const hex = (digest: string): string => digest.slice('sha256:'.length);

export function rawBlob(mediaType: string, data: Buffer): BuiltBlob {
  return { mediaType, data, digest: sha256(data), size: data.length };
}

export function descriptorOf(
  blob: Pick<BuiltBlob, 'mediaType' | 'digest' | 'size'>,
): Record<string, unknown> {
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size };
}

/** An OCI image manifest over `config` and `layers`. */
export function manifestOf(
  config: Pick<BuiltBlob, 'mediaType' | 'digest' | 'size'>,
  layers: Array<Pick<BuiltBlob, 'mediaType' | 'digest' | 'size'>>,
): BuiltBlob {
  return rawBlob(
    OCI.manifest,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI.manifest,
        config: descriptorOf(config),
        layers: layers.map(descriptorOf),
      }),
    ),
  );
}

/** `image` with its config replaced by exactly `configBytes` (and a manifest that points at it). */
export function withConfigBytes(image: BuiltImage, configBytes: Buffer): BuiltImage {
  const config = rawBlob(image.config.mediaType, configBytes);
  const manifest = rawBlob(
    image.manifest.mediaType,
    Buffer.from(
      JSON.stringify({
        ...(JSON.parse(image.manifest.data.toString('utf8')) as Record<string, unknown>),
        config: descriptorOf(config),
      }),
    ),
  );
  return { ...image, config, manifest };
}

export interface RawArchiveSpec {
  config: Buffer;
  /** Each layer file as stored in the archive (a gzip layer stays gzip: Docker ≥ 25 and podman write those). */
  layers: Buffer[];
  repoTags?: string[];
  /** The names manifest.json lists for the layers, when they should differ from the files written. */
  listedLayers?: string[];
}

/** A legacy `docker save` archive (`manifest.json`, `<hex>.json`, `<n>/layer.tar`) from raw parts. */
export async function writeRawDockerArchive(file: string, spec: RawArchiveSpec): Promise<void> {
  const configName = `${hex(sha256(spec.config))}.json`;
  const names = spec.layers.map((_, i) => `layer${i}/layer.tar`);
  const entries: ArchiveEntry[] = [];
  spec.layers.forEach((data, i) => {
    entries.push({ name: `layer${i}/`, dir: true }, { name: names[i], data });
  });
  entries.push({ name: configName, data: spec.config });
  const manifest = [
    {
      Config: configName,
      RepoTags: spec.repoTags && spec.repoTags.length > 0 ? spec.repoTags : null,
      Layers: spec.listedLayers ?? names,
    },
  ];
  entries.push({ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) });
  await writeTarFile(file, entries);
}

export interface RawLayoutSpec {
  /** index.json: an object (serialised) or exact bytes. */
  index: unknown;
  /** Blobs stored under their own digest. */
  blobs?: BuiltBlob[];
  /** Blobs stored under a name that is not their digest (a wrong-digest blob). */
  misnamed?: Array<{ digest: string; data: Buffer }>;
  /** Blob files already on disk (big layers), moved into the layout. */
  files?: Array<{ digest: string; path: string }>;
}

/** An OCI image layout directory from hand-made parts. */
export async function writeRawOciLayout(dir: string, spec: RawLayoutSpec): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    Buffer.isBuffer(spec.index) ? spec.index : JSON.stringify(spec.index),
  );
  for (const blob of spec.blobs ?? []) await writeFile(join(blobs, hex(blob.digest)), blob.data);
  for (const blob of spec.misnamed ?? []) await writeFile(join(blobs, hex(blob.digest)), blob.data);
  for (const file of spec.files ?? []) await rename(file.path, join(blobs, hex(file.digest)));
}

/** An OCI layout holding one image: index.json → manifest → config + layers. */
export async function writeLayoutOf(
  dir: string,
  parts: { config: BuiltBlob; layers: BuiltBlob[]; files?: RawLayoutSpec['files'] },
  layerDescriptors: Array<Pick<BuiltBlob, 'mediaType' | 'digest' | 'size'>> = parts.layers,
): Promise<void> {
  const manifest = manifestOf(parts.config, layerDescriptors);
  await writeRawOciLayout(dir, {
    index: { schemaVersion: 2, mediaType: OCI.index, manifests: [descriptorOf(manifest)] },
    blobs: [manifest, parts.config, ...parts.layers],
    files: parts.files,
  });
}

/** An OCI config for `diffIds` with `config` as its runtime config. */
export function configBlob(diffIds: string[], config: Record<string, unknown> = {}): BuiltBlob {
  return rawBlob(
    OCI.config,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config,
        rootfs: { type: 'layers', diff_ids: diffIds },
        history: diffIds.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'ADD files in /' })),
      }),
    ),
  );
}
