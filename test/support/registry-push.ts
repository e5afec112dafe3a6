import { createHash } from 'node:crypto';
import type { TestRegistry } from './registry.js';

export interface PushedBlob {
  digest: string;
  size: number;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function headers(
  registry: TestRegistry,
  repository: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const authorization = registry.adminAuthorization(repository);
  return { ...extra, ...(authorization !== undefined ? { authorization } : {}) };
}

/**
 * Uploads raw bytes as a blob (POST + monolithic PUT), without going through the code under test,
 * so tests can put any content — including content no image builder would make — into a registry.
 */
export async function pushBlob(
  registry: TestRegistry,
  repository: string,
  data: Buffer,
): Promise<PushedBlob> {
  const digest = sha256(data);
  const start = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: headers(registry, repository),
  });
  await start.arrayBuffer();
  const location = start.headers.get('location');
  if (start.status !== 202 || location === null) {
    throw new Error(`push blob to ${registry.host}/${repository}: upload start answered ${start.status}`);
  }
  const target = new URL(location, registry.url);
  target.searchParams.set('digest', digest);
  const put = await fetch(target, {
    method: 'PUT',
    headers: headers(registry, repository, { 'content-type': 'application/octet-stream' }),
    body: data,
  });
  const text = await put.text();
  if (put.status !== 201)
    throw new Error(`push blob ${digest} to ${registry.host}/${repository}: ${put.status} ${text}`);
  return { digest, size: data.length };
}

/** PUTs manifest bytes verbatim under `reference` (tag or digest); returns their digest. */
export async function pushManifest(
  registry: TestRegistry,
  repository: string,
  reference: string,
  body: Buffer | string,
  mediaType: string,
): Promise<string> {
  const bytes = Buffer.from(body);
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: headers(registry, repository, { 'content-type': mediaType }),
    body: bytes,
  });
  const text = await res.text();
  if (res.status !== 201) {
    throw new Error(`push manifest ${registry.host}/${repository}:${reference}: ${res.status} ${text}`);
  }
  return sha256(bytes);
}

export interface SimpleImage {
  manifest: Buffer;
  manifestDigest: string;
  mediaType: string;
  config: PushedBlob;
  layers: PushedBlob[];
}

/**
 * Pushes a small OCI image: a config and the given layer blobs (any bytes; the registry does not
 * look inside), tagged `tag`. Enough for client tests that do not read layer contents.
 */
export async function pushSimpleImage(
  registry: TestRegistry,
  repository: string,
  tag: string,
  options: { layers?: Buffer[]; platform?: { os: string; architecture: string }; label?: string } = {},
): Promise<SimpleImage> {
  const layersData = options.layers ?? [Buffer.from(`layer of ${repository}:${tag}`)];
  const layers = [];
  for (const data of layersData) layers.push(await pushBlob(registry, repository, data));
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const configJson = {
    ...platform,
    config: { Labels: { tag, ...(options.label !== undefined ? { label: options.label } : {}) } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
  };
  const config = await pushBlob(registry, repository, Buffer.from(JSON.stringify(configJson)));
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
    }),
  );
  const manifestDigest = await pushManifest(registry, repository, tag, manifest, mediaType);
  return { manifest, manifestDigest, mediaType, config, layers };
}

interface BuiltBlobLike {
  data: Buffer;
  mediaType: string;
  digest: string;
}

interface BuiltImageLike {
  kind: 'image';
  manifest: BuiltBlobLike;
  config: BuiltBlobLike;
  layers: BuiltBlobLike[];
}

interface BuiltIndexLike {
  kind: 'index';
  index: BuiltBlobLike;
  images: BuiltImageLike[];
  attestations: BuiltImageLike[];
}

/**
 * Pushes an image or index made by the test image builder (blobs, child manifests by digest, then
 * the top manifest under `tag`) with the raw helpers above. Returns the top-level digest.
 */
export async function pushBuilt(
  registry: TestRegistry,
  repository: string,
  tag: string,
  built: BuiltImageLike | BuiltIndexLike,
): Promise<string> {
  const images = built.kind === 'image' ? [built] : [...built.images, ...built.attestations];
  const pushed = new Set<string>();
  for (const image of images) {
    for (const blob of [image.config, ...image.layers]) {
      if (pushed.has(blob.digest)) continue;
      await pushBlob(registry, repository, blob.data);
      pushed.add(blob.digest);
    }
  }
  if (built.kind === 'image') {
    return pushManifest(registry, repository, tag, built.manifest.data, built.manifest.mediaType);
  }
  for (const image of images) {
    await pushManifest(
      registry,
      repository,
      image.manifest.digest,
      image.manifest.data,
      image.manifest.mediaType,
    );
  }
  return pushManifest(registry, repository, tag, built.index.data, built.index.mediaType);
}
