import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { digestHex } from './blob.js';
import { MT } from './media-types.js';
import type { BuiltBlob, BuiltImage, BuiltIndex } from './types.js';
import { writeTarFile, type ArchiveEntry } from './write-tar-file.js';

function allBlobs(image: BuiltImage | BuiltIndex): BuiltBlob[] {
  const images = image.kind === 'image' ? [image] : [...image.images, ...image.attestations];
  const blobs = new Map<string, BuiltBlob>();
  for (const img of images) {
    for (const blob of [img.manifest, img.config, ...img.layers]) blobs.set(blob.digest, blob);
  }
  if (image.kind === 'index') blobs.set(image.index.digest, image.index);
  return [...blobs.values()];
}

/**
 * Writes an OCI image layout: `oci-layout`, `index.json` pointing at the image manifest (or the
 * index) and `blobs/sha256/<hex>` for every blob; as a directory at `target`, or as a tar file
 * at `target` with `tar: true`. `annotations` are added to the `index.json` entry (after `refName`).
 */
export async function writeOciLayout(
  target: string,
  image: BuiltImage | BuiltIndex,
  options: { tar?: boolean; refName?: string; annotations?: Record<string, string> } = {},
): Promise<void> {
  const top = image.kind === 'image' ? image.manifest : image.index;
  const annotations = {
    ...(options.refName !== undefined ? { 'org.opencontainers.image.ref.name': options.refName } : {}),
    ...options.annotations,
  };
  const indexJson = {
    schemaVersion: 2,
    mediaType: MT.ociIndex,
    manifests: [
      {
        mediaType: top.mediaType,
        digest: top.digest,
        size: top.size,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
    ],
  };
  const files: Array<{ name: string; data: Buffer }> = [
    { name: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { name: 'index.json', data: Buffer.from(JSON.stringify(indexJson)) },
    ...allBlobs(image).map((b) => ({ name: `blobs/sha256/${digestHex(b.digest)}`, data: b.data })),
  ];

  if (options.tar) {
    const entries: ArchiveEntry[] = [
      files[0],
      files[1],
      { name: 'blobs/', dir: true },
      { name: 'blobs/sha256/', dir: true },
      ...files.slice(2),
    ];
    await writeTarFile(target, entries);
    return;
  }
  await mkdir(join(target, 'blobs', 'sha256'), { recursive: true });
  for (const f of files) await writeFile(join(target, f.name), f.data);
}
