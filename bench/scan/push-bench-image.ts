import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { request } from 'undici';
import type { BuiltLayer } from './build-layer.js';

const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';
const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function blobExists(registry: string, repo: string, digest: string): Promise<boolean> {
  const res = await request(`${registry}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
  await res.body.dump();
  return res.statusCode === 200;
}

/** Monolithic upload (POST then PUT ?digest=) with a streamed body, so no blob is held in memory. */
async function uploadBlob(
  registry: string,
  repo: string,
  digest: string,
  size: number,
  body: Buffer | (() => Readable),
): Promise<void> {
  if (await blobExists(registry, repo, digest)) return;
  const what = `upload of ${digest} to ${registry}/${repo}`;
  const start = await request(`${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const startText = await start.body.text();
  const location = start.headers.location;
  if (start.statusCode !== 202 || typeof location !== 'string') {
    throw new Error(`${what}: POST answered ${start.statusCode} ${startText}`);
  }
  const url = new URL(location, registry);
  url.searchParams.set('digest', digest);
  const put = await request(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: Buffer.isBuffer(body) ? body : body(),
  });
  const putText = await put.body.text();
  if (put.statusCode !== 201) throw new Error(`${what}: PUT answered ${put.statusCode} ${putText}`);
}

/**
 * A layer to push: a built blob, optionally followed by `tail` bytes (the memory bench appends an
 * empty gzip member: the same tar, hence the same diffId, in a blob with a digest of its own).
 */
export type PushLayer = BuiltLayer & { tail?: Buffer };

function openBlob(layer: PushLayer): Readable {
  const file = createReadStream(layer.file);
  const tail = layer.tail;
  if (tail === undefined) return file;
  return Readable.from(
    (async function* () {
      yield* file;
      yield tail;
    })(),
  );
}

/**
 * Pushes the layers (streamed from disk), an OCI config whose diff_ids match them, and an OCI
 * manifest tagged `tag`. Returns the manifest digest.
 */
export async function pushBenchImage(
  registry: string,
  repo: string,
  tag: string,
  layers: PushLayer[],
): Promise<{ manifestDigest: string }> {
  for (const layer of layers) {
    await uploadBlob(registry, repo, layer.digest, layer.size, () => openBlob(layer));
  }
  const created = '2026-01-01T00:00:00Z';
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created,
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
      },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((l) => ({ created, created_by: `COPY ${l.root} (pushgate scan bench)` })),
    }),
  );
  const configDigest = sha256(config);
  await uploadBlob(registry, repo, configDigest, config.length, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      config: { mediaType: CONFIG_MEDIA_TYPE, digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: LAYER_MEDIA_TYPE, digest: l.digest, size: l.size })),
    }),
  );
  const res = await request(`${registry}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': MANIFEST_MEDIA_TYPE },
    body: manifest,
  });
  const text = await res.body.text();
  if (res.statusCode !== 201)
    throw new Error(`push of manifest ${repo}:${tag} answered ${res.statusCode} ${text}`);
  return { manifestDigest: sha256(manifest) };
}
