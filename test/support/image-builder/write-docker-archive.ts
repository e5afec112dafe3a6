import { FIXED_CREATED, digestHex, sha256Digest } from './blob.js';
import { decompressLayer } from './compress-layer.js';
import type { BuiltImage } from './types.js';
import { writeTarFile, type ArchiveEntry } from './write-tar-file.js';

/** `registry/repo:tag` → [`registry/repo`, `tag`]; the tag is after the last colon past the last slash. */
function splitRepoTag(repoTag: string): [string, string] {
  const colon = repoTag.lastIndexOf(':');
  if (colon <= repoTag.lastIndexOf('/')) return [repoTag, 'latest'];
  return [repoTag.slice(0, colon), repoTag.slice(colon + 1)];
}

/**
 * Writes `image` in the legacy `docker save` layout Docker 20.10 writes and `docker load`
 * accepts: `manifest.json`, `<config hex>.json`, `<layer id>/{VERSION,json,layer.tar}` with
 * uncompressed layer tars, and `repositories` when there are tags. With `keepCompression`, each
 * `layer.tar` holds the layer blob as built (gzip or zstd), as hand-made archives may.
 */
export async function writeDockerArchive(
  file: string,
  image: BuiltImage,
  repoTags: string[] = [],
  options: { keepCompression?: boolean } = {},
): Promise<void> {
  // v1 layer ids only have to be unique and stable; derive them from the chain like Docker does.
  const ids: string[] = [];
  let parent = '';
  for (const layer of image.layers) {
    const id = digestHex(sha256Digest(Buffer.from(`${parent}\n${layer.diffId}`)));
    ids.push(id);
    parent = id;
  }
  const configName = `${digestHex(image.config.digest)}.json`;

  function* entries(): Generator<ArchiveEntry> {
    for (let i = 0; i < image.layers.length; i++) {
      const id = ids[i];
      yield { name: `${id}/`, dir: true };
      yield { name: `${id}/VERSION`, data: Buffer.from('1.0') };
      const v1 = {
        id,
        ...(i > 0 ? { parent: ids[i - 1] } : {}),
        created: FIXED_CREATED,
        container_config: {},
        os: image.configJson.os ?? 'linux',
      };
      yield { name: `${id}/json`, data: Buffer.from(JSON.stringify(v1)) };
      // Decompressed one layer at a time, so only one layer tar is held beyond the image itself.
      yield {
        name: `${id}/layer.tar`,
        data: options.keepCompression
          ? image.layers[i].data
          : decompressLayer(image.layers[i].data, image.layers[i].mediaType),
      };
    }
    yield { name: configName, data: image.config.data };
    const manifest = [
      {
        Config: configName,
        RepoTags: repoTags.length > 0 ? repoTags : null,
        Layers: ids.map((id) => `${id}/layer.tar`),
      },
    ];
    yield { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) };
    if (repoTags.length > 0 && ids.length > 0) {
      const repositories: Record<string, Record<string, string>> = {};
      for (const repoTag of repoTags) {
        const [repo, tag] = splitRepoTag(repoTag);
        (repositories[repo] ??= {})[tag] = ids[ids.length - 1];
      }
      yield { name: 'repositories', data: Buffer.from(JSON.stringify(repositories)) };
    }
  }

  await writeTarFile(file, entries());
}
