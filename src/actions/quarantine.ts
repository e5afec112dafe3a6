import { isPushgateError, PushgateError, withContext } from '../errors.js';
import { parseManifest } from '../oci/manifest.js';
import type { FetchedManifest, RegistryReader } from '../registry/registry-reader.js';
import type { RegistryWriter } from '../registry/registry-writer.js';
import type { ActionHandler } from './action-handler.js';

/** An index inside an index is allowed once (nested indexes are legal but rare); deeper is refused. */
const MAX_DEPTH = 2;
/** Manifests one quarantine copies at most: a hostile index must not make us copy forever. */
const MAX_MANIFESTS = 1000;

interface CopyStats {
  manifests: number;
  mounted: number;
  copied: number;
  blobs: Set<string>;
}

/**
 * Moves a rejected image into the quarantine repository: every blob is mounted across
 * repositories (copied when the registry refuses mounts), every child manifest of an index and
 * then the image itself are PUT under the same digest, the image gets its original tags there,
 * and only then is it deleted from the source. Any failure before the delete leaves the source
 * untouched. A source already gone with the copy in place counts as done before (a retry).
 */
export const quarantineImage: ActionHandler<'quarantine'> = {
  kind: 'quarantine',
  async perform(action, { client }) {
    const { repository, digest, quarantineRepository: target } = action;
    let top: FetchedManifest;
    try {
      top = await client.getManifest(repository, digest);
    } catch (err) {
      if (
        isPushgateError(err) &&
        err.code === 'REGISTRY_NOT_FOUND' &&
        (await hasManifest(client, target, digest))
      ) {
        return { outcome: 'skipped', note: `already in ${target}, gone from ${repository}` };
      }
      throw err;
    }
    const stats: CopyStats = { manifests: 0, mounted: 0, copied: 0, blobs: new Set() };
    await copyManifest(client, repository, target, top, stats, 0);
    for (const tag of action.tags) await client.putManifest(target, tag, top.body, top.mediaType);
    try {
      await client.deleteManifest(repository, digest);
    } catch (err) {
      throw withContext(`copied into ${target}, but removing it from ${repository} failed`, err);
    }
    return {
      outcome: 'done',
      note: `${stats.manifests} manifest(s) copied, ${stats.mounted} blob(s) mounted, ${stats.copied} copied`,
    };
  },
};

async function hasManifest(client: RegistryReader, repository: string, digest: string): Promise<boolean> {
  try {
    await client.headManifest(repository, digest);
    return true;
  } catch (err) {
    if (isPushgateError(err) && err.code === 'REGISTRY_NOT_FOUND') return false;
    throw err;
  }
}

/** Copies one manifest (children first for an index, blobs first for an image) by digest. */
async function copyManifest(
  client: RegistryWriter,
  from: string,
  to: string,
  manifest: FetchedManifest,
  stats: CopyStats,
  depth: number,
): Promise<void> {
  const what = `copy ${from}@${manifest.digest} into ${to}`;
  if (++stats.manifests > MAX_MANIFESTS) {
    throw new PushgateError('MANIFEST_INVALID', `${what}: more than ${MAX_MANIFESTS} manifests`);
  }
  let parsed;
  try {
    parsed = parseManifest(manifest.body, manifest.mediaType);
  } catch (err) {
    throw withContext(what, err);
  }
  if (parsed.kind === 'index') {
    if (depth >= MAX_DEPTH) {
      throw new PushgateError('MANIFEST_UNSUPPORTED', `${what}: indexes nested more than ${MAX_DEPTH} deep`);
    }
    for (const child of parsed.manifests) {
      const fetched = await client.getManifest(from, child.digest, child.size);
      await copyManifest(client, from, to, fetched, stats, depth + 1);
    }
  } else {
    for (const blob of [parsed.config, ...parsed.layers]) {
      // Foreign layers (Windows base layers) live at their `urls`, not in the registry.
      if (blob.urls !== undefined && blob.urls.length > 0) continue;
      if (stats.blobs.has(blob.digest)) continue;
      stats.blobs.add(blob.digest);
      const how = await client.mountBlob(to, from, blob.digest, blob.size);
      if (how === 'mounted') stats.mounted++;
      else stats.copied++;
    }
  }
  await client.putManifest(to, manifest.digest, manifest.body, manifest.mediaType);
}
