import type { Readable } from 'node:stream';
import { PushgateError, withContext } from '../errors.js';
import type { RegistryReader } from '../registry/registry-reader.js';
import { parseImageConfig } from '../oci/image-config.js';
import { MAX_MANIFEST_BYTES, parseManifest, platformOf, type ImageManifest } from '../oci/manifest.js';
import { formatReference, type ImageReference } from '../oci/reference.js';
import { addSkipped, matchesPlatform, noPlatformError, selectManifests } from './select-manifests.js';
import type { ImageSource, LayerRef, PlatformFilter, PlatformImage, ResolvedImage } from './types.js';
import type { Descriptor } from '../oci/types.js';

export interface RegistrySourceOptions {
  /** Close the client in `close()` (when the source created it for itself). Default false. */
  ownsClient?: boolean;
}

/**
 * Reads an image from a registry: a tag is resolved to a digest with HEAD, then everything is
 * pulled by digest and verified (index, each image manifest against its index descriptor, config
 * against the manifest). Layers are streamed by `openLayer`, verified by the client as they flow.
 */
export class RegistrySource implements ImageSource {
  readonly kind = 'registry' as const;
  private readonly reference: ImageReference;
  private readonly client: RegistryReader;
  private readonly ownsClient: boolean;
  private closed = false;

  constructor(reference: ImageReference, client: RegistryReader, options: RegistrySourceOptions = {}) {
    if (client.registry !== reference.registry) {
      throw new PushgateError(
        'INTERNAL',
        `registry client for ${client.registry} cannot read ${formatReference(reference)}`,
      );
    }
    this.reference = reference;
    this.client = client;
    this.ownsClient = options.ownsClient ?? false;
  }

  async resolve(filter?: PlatformFilter): Promise<ResolvedImage> {
    const text = formatReference(this.reference);
    const repository = this.reference.repository;
    const digest =
      this.reference.digest ??
      (await this.client.headManifest(repository, this.reference.tag ?? 'latest')).digest;
    const top = await this.client.getManifest(repository, digest);
    let parsed;
    try {
      parsed = parseManifest(top.body, top.mediaType);
    } catch (err) {
      throw withContext(`read manifest ${text}`, err);
    }
    const resolved: ResolvedImage = {
      reference: text,
      source: 'registry',
      platforms: [],
      skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
    };

    if (parsed.kind === 'manifest') {
      const image = await this.platformImage(parsed, top.digest, undefined, text);
      if (
        filter !== undefined &&
        !matchesPlatform({ ...fakeDescriptor(top.digest), platform: image.platform }, filter)
      ) {
        throw noPlatformError(text, filter, [{ ...fakeDescriptor(top.digest), platform: image.platform }]);
      }
      resolved.platforms.push(image);
      return resolved;
    }

    resolved.indexDigest = top.digest;
    const images: Descriptor[] = [];
    const everyChild: Descriptor[] = [];
    const expand = async (children: Descriptor[], depth: number): Promise<void> => {
      everyChild.push(...children);
      const selection = selectManifests(children, filter, depth);
      addSkipped(resolved.skipped, selection.skipped);
      images.push(...selection.images);
      for (const nested of selection.indexes) {
        const fetched = await this.client.getManifest(repository, nested.digest, nested.size);
        let child;
        try {
          child = parseManifest(fetched.body, nested.mediaType);
        } catch (err) {
          throw withContext(`read nested index ${repository}@${nested.digest}`, err);
        }
        if (child.kind !== 'index') {
          throw new PushgateError(
            'MANIFEST_INVALID',
            `${text}: ${nested.digest} is listed as an index but is an image manifest`,
          );
        }
        await expand(child.manifests, depth + 1);
      }
    };
    await expand(parsed.manifests, 0);

    if (images.length === 0) {
      if (filter !== undefined) throw noPlatformError(text, filter, everyChild);
      throw new PushgateError(
        'MANIFEST_UNSUPPORTED',
        `${text} is an index without any runnable image manifest`,
      );
    }
    for (const descriptor of images) {
      const fetched = await this.client.getManifest(repository, descriptor.digest, descriptor.size);
      let manifest;
      try {
        manifest = parseManifest(fetched.body, descriptor.mediaType);
      } catch (err) {
        throw withContext(`read manifest ${repository}@${descriptor.digest}`, err);
      }
      if (manifest.kind !== 'manifest') {
        throw new PushgateError(
          'MANIFEST_INVALID',
          `${text}: ${descriptor.digest} is listed as an image manifest but is an index`,
        );
      }
      resolved.platforms.push(await this.platformImage(manifest, descriptor.digest, descriptor, text));
    }
    return resolved;
  }

  private async platformImage(
    manifest: ImageManifest,
    manifestDigest: string,
    descriptor: Descriptor | undefined,
    text: string,
  ): Promise<PlatformImage> {
    const repository = this.reference.repository;
    let config;
    try {
      const body = await this.client.getBlobBuffer(repository, manifest.config, MAX_MANIFEST_BYTES);
      config = parseImageConfig(body);
    } catch (err) {
      throw withContext(`read config of ${text} (${manifestDigest})`, err);
    }
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (config.rootfs !== undefined && diffIds.length !== manifest.layers.length) {
      // Layer i is checked against diff_ids[i]: with a different count the pairing means nothing.
      throw new PushgateError(
        'MANIFEST_INVALID',
        `${text}: manifest ${manifestDigest} lists ${manifest.layers.length} layers but its config has ${diffIds.length} diff_ids`,
      );
    }
    const layers: LayerRef[] = manifest.layers.map((layer, i) => ({
      descriptor: layer,
      ...(diffIds[i] !== undefined ? { diffId: diffIds[i] } : {}),
    }));
    const client = this.client;
    return {
      platform: platformOf(config, descriptor?.platform),
      manifestDigest,
      manifestMediaType: manifest.mediaType,
      ...(manifest.annotations !== undefined ? { annotations: manifest.annotations } : {}),
      configDigest: manifest.config.digest,
      config,
      layers,
      async openLayer(index: number): Promise<Readable> {
        const layer = layers[index];
        if (layer === undefined) {
          throw new PushgateError('INTERNAL', `${text} (${manifestDigest}) has no layer ${index}`);
        }
        return client.getBlob(repository, layer.descriptor);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.close();
  }
}

function fakeDescriptor(digest: string): Descriptor {
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 0 };
}
