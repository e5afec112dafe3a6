import type { Readable } from 'node:stream';
import { jsonSyntaxProblem } from '../json-syntax.js';

import { PushgateError, withContext } from '../errors.js';
import { TarLayoutFiles } from './layout-files.js';
import { findManifestByConfig } from './layout-images.js';
import { parseImageConfig } from '../oci/image-config.js';
import { formatPlatform, MAX_MANIFEST_BYTES, platformOf, type ImageManifest } from '../oci/manifest.js';
import { readLayoutIndex } from './oci-layout-source.js';
import { matchesPlatform } from './select-manifests.js';
import { TarIndex, type TarEntry } from './tar-index.js';
import { parseImageName } from './image-names.js';
import { printable } from '../escape-text.js';
import type {
  ImageName,
  ImageSource,
  LayerRef,
  PlatformFilter,
  PlatformImage,
  ResolvedImage,
} from './types.js';
import type { Descriptor } from '../oci/types.js';
import { digestOf, digestOfStream } from '../oci/digest.js';
import { isRecord } from '../is-record.js';

export interface DockerArchiveSourceOptions {
  /**
   * Which image of a multi-image archive: a `REPO:TAG` from its `RepoTags` (`docker.io/library/`
   * and a missing `:latest` are normalised as Docker does), or `@N` for the N-th (0-based) entry.
   */
  image?: string;
  /** How results name the image; default `docker-archive:<file>[:<image>]`. */
  reference?: string;
}

/** One `manifest.json` entry of a `docker save` archive. */
interface ArchiveManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

const LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
const LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const LAYER_ZSTD = 'application/vnd.docker.image.rootfs.diff.tar.zstd';
const BLOB_NAME = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/;
const LEGACY_CONFIG_NAME = /^([a-f0-9]{64})\.json$/;

/** `nginx` → `nginx:latest`, `docker.io/library/nginx:1` → `nginx:1`: the spelling of `RepoTags`. */
export function normaliseRepoTag(name: string): string {
  let n = name.trim();
  for (const prefix of ['docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/']) {
    if (n.startsWith(prefix)) {
      n = n.slice(prefix.length);
      break;
    }
  }
  const lastSlash = n.lastIndexOf('/');
  const hasTag = n.lastIndexOf(':') > lastSlash;
  return hasTag || n.includes('@') ? n : `${n}:latest`;
}

function parseArchiveManifest(body: Buffer, file: string): ArchiveManifestEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new PushgateError(
      'ARCHIVE_INVALID',
      `${file}: manifest.json is not JSON: ${jsonSyntaxProblem(err)}`,
    );
  }
  if (!Array.isArray(json) || json.length === 0) {
    throw new PushgateError('ARCHIVE_INVALID', `${file}: manifest.json is not a non-empty list of images`);
  }
  return json.map((item, i): ArchiveManifestEntry => {
    const bad = (what: string): PushgateError =>
      new PushgateError('ARCHIVE_INVALID', `${file}: manifest.json entry ${i}: ${what}`);
    if (!isRecord(item)) throw bad('not an object');
    if (typeof item.Config !== 'string' || item.Config === '') throw bad('Config is missing');
    if (!Array.isArray(item.Layers) || !item.Layers.every((l) => typeof l === 'string')) {
      throw bad('Layers is not a list of file names');
    }
    const tags = item.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))
      throw bad('RepoTags is not a list');
    return { Config: item.Config, RepoTags: tags as string[], Layers: item.Layers as string[] };
  });
}

function describeEntry(entry: ArchiveManifestEntry, i: number): string {
  return entry.RepoTags.length > 0 ? entry.RepoTags.join(', ') : `@${i} (untagged, config ${entry.Config})`;
}

function layerMediaType(head: Buffer): { mediaType: string; compressed: boolean } {
  if (head[0] === 0x1f && head[1] === 0x8b) return { mediaType: LAYER_GZIP, compressed: true };
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return { mediaType: LAYER_ZSTD, compressed: true };
  }
  return { mediaType: LAYER_TAR, compressed: false };
}

/**
 * A `docker save` tarball, read in place: the tar is indexed once (headers only) and layers are
 * streamed from their offsets. Handles the legacy layout (`<id>/layer.tar`, Docker ≤ 24) and the
 * OCI-based one Docker ≥ 25 writes (`blobs/sha256/…` plus `index.json`), through `manifest.json`.
 */
export class DockerArchiveSource implements ImageSource {
  readonly kind = 'docker-archive' as const;

  constructor(
    private readonly file: string,
    private readonly options: DockerArchiveSourceOptions = {},
  ) {}

  private get reference(): string {
    return (
      this.options.reference ??
      `docker-archive:${this.file}${this.options.image ? `:${this.options.image}` : ''}`
    );
  }

  async resolve(filter?: PlatformFilter): Promise<ResolvedImage> {
    const reference = this.reference;
    const index = await TarIndex.open(this.file);
    const files = new TarLayoutFiles(index);
    if (!index.get('manifest.json')) {
      const hint =
        index.get('index.json') && index.get('oci-layout')
          ? '; it is an OCI layout, read it as oci:FILE'
          : '';
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${this.file} has no manifest.json: not a docker save archive${hint}`,
      );
    }
    const entries = parseArchiveManifest(await files.read('manifest.json', MAX_MANIFEST_BYTES), this.file);
    const [entry, position] = this.pick(entries);
    const what = `${this.file}: image ${describeEntry(entry, position)}`;

    const configEntry = index.get(entry.Config);
    if (!configEntry)
      throw new PushgateError('ARCHIVE_INVALID', `${what}: config ${entry.Config} is not in the archive`);
    const configBytes = await index.read(configEntry, MAX_MANIFEST_BYTES);
    const configDigest = digestOf(configBytes);
    const namedHex = BLOB_NAME.exec(entry.Config)?.[1] ?? LEGACY_CONFIG_NAME.exec(entry.Config)?.[1];
    if (namedHex !== undefined && `sha256:${namedHex}` !== configDigest) {
      throw new PushgateError(
        'DIGEST_MISMATCH',
        `${what}: config ${entry.Config} has digest ${configDigest}, its name says sha256:${namedHex}`,
      );
    }
    let config;
    try {
      config = parseImageConfig(configBytes);
    } catch (err) {
      throw withContext(`${what}: config ${entry.Config}`, err);
    }
    const platform = platformOf(config);
    if (filter && !matchesPlatform({ mediaType: '', digest: '', size: 0, platform }, filter)) {
      throw new PushgateError(
        'PLATFORM_NOT_FOUND',
        `${reference} has no image for ${formatPlatform(filter)}; available: ${formatPlatform(platform)}`,
      );
    }
    const diffIds = config.rootfs?.diff_ids;
    if (diffIds && diffIds.length !== entry.Layers.length) {
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${what}: manifest.json lists ${entry.Layers.length} layers but the config has ${diffIds.length} diff_ids`,
      );
    }

    const oci = await this.ociManifest(files, configDigest, what);
    const layerEntries: TarEntry[] = [];
    const layers: LayerRef[] = [];
    for (const [i, name] of entry.Layers.entries()) {
      const layerEntry = index.get(name);
      if (!layerEntry) {
        throw new PushgateError(
          'ARCHIVE_INVALID',
          `${what}: manifest.json lists layer ${name}, which is not in the archive`,
        );
      }
      layerEntries.push(layerEntry);
      const diffId = diffIds?.[i];
      const sniffed = layerMediaType(await index.readRange(layerEntry, 0, 4));
      const blobHex = BLOB_NAME.exec(name)?.[1];
      // The archive stores no layer digests for the legacy layout: an uncompressed layer's digest
      // is its diff_id (the walker verifies it); anything else is hashed here, once.
      const digest =
        blobHex !== undefined
          ? `sha256:${blobHex}`
          : !sniffed.compressed && diffId !== undefined
            ? diffId
            : await digestOfStream(index.createReadStream(layerEntry));
      const fromManifest = oci?.manifest.layers[i];
      const descriptor: Descriptor =
        fromManifest && fromManifest.digest === digest && fromManifest.size === layerEntry.size
          ? fromManifest
          : { mediaType: sniffed.mediaType, digest, size: layerEntry.size };
      layers.push({ descriptor, ...(diffId !== undefined ? { diffId } : {}) });
    }

    const image: PlatformImage = {
      platform,
      ...(oci
        ? {
            manifestDigest: oci.descriptor.digest,
            manifestMediaType: oci.manifest.mediaType,
            ...(oci.manifest.annotations ? { annotations: oci.manifest.annotations } : {}),
          }
        : {}),
      configDigest,
      config,
      layers,
      openLayer: async (i: number): Promise<Readable> => {
        const layerEntry = layerEntries[i];
        if (!layerEntry) {
          throw new PushgateError(
            'INTERNAL',
            `layer index ${i} out of range (image has ${layerEntries.length} layers)`,
          );
        }
        return index.createReadStream(layerEntry);
      },
    };
    return {
      reference,
      source: 'docker-archive',
      names: this.names(entry, what),
      platforms: [image],
      skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
    };
  }

  async close(): Promise<void> {
    // Nothing held open: the tar index is in memory and every read opens the file itself.
  }

  /**
   * The names to judge the image under: the one the selector gave, else every `RepoTags` entry,
   * so `docker-archive:app.tar` holding `prod/app:1` meets the policies of `prod/**`.
   */
  private names(entry: ArchiveManifestEntry, what: string): ImageName[] {
    const wanted = this.options.image;
    if (wanted !== undefined && !/^@\d+$/.test(wanted)) {
      const name = parseImageName(wanted, this.reference);
      if (name === undefined) {
        throw new PushgateError('REFERENCE_INVALID', `${what}: "${printable(wanted)}" is not an image name`);
      }
      return [name];
    }
    const names: ImageName[] = [];
    for (const tag of new Set(entry.RepoTags)) {
      if (tag === '<none>:<none>') continue;
      const name = parseImageName(tag, `docker-archive:${this.file}:${tag}`);
      // A name pushgate cannot read could be the one a policy is scoped to: refuse, never skip it.
      if (name === undefined) {
        throw new PushgateError(
          'ARCHIVE_INVALID',
          `${what}: RepoTags entry "${printable(tag)}" is not an image name`,
        );
      }
      names.push(name);
    }
    return names;
  }

  private pick(entries: ArchiveManifestEntry[]): [ArchiveManifestEntry, number] {
    const wanted = this.options.image;
    const choices = (): string => entries.map(describeEntry).join('; ');
    if (wanted === undefined) {
      if (entries.length === 1) return [entries[0], 0];
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${this.file} holds ${entries.length} images (${choices()}); pick one with docker-archive:${this.file}:REPO:TAG or :@N`,
      );
    }
    const position = /^@(\d+)$/.exec(wanted);
    if (position) {
      const n = Number(position[1]);
      if (n < entries.length) return [entries[n], n];
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${this.file} has no image @${n}; it holds ${entries.length}`,
      );
    }
    const tag = normaliseRepoTag(wanted);
    const n = entries.findIndex((e) => e.RepoTags.some((t) => normaliseRepoTag(t) === tag));
    if (n === -1) {
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${this.file} has no image tagged ${wanted}; it holds: ${choices()}`,
      );
    }
    return [entries[n], n];
  }

  /** The OCI manifest of this image when the archive also is an OCI layout (Docker ≥ 25). */
  private async ociManifest(
    files: TarLayoutFiles,
    configDigest: string,
    what: string,
  ): Promise<{ descriptor: Descriptor; manifest: ImageManifest } | undefined> {
    if (!files.index.get('index.json') || !files.index.get('oci-layout')) return undefined;
    try {
      return await findManifestByConfig(files, await readLayoutIndex(files), configDigest);
    } catch (err) {
      throw withContext(`${what}: index.json`, err);
    }
  }
}
