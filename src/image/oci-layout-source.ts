import { stat } from 'node:fs/promises';

import { PushgateError, withContext } from '../errors.js';
import { DirLayoutFiles, TarLayoutFiles, type LayoutFiles } from './layout-files.js';
import { readLayoutManifest, resolveLayoutChildren } from './layout-images.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../oci/manifest.js';
import { isIndexMediaType, MediaType } from '../oci/media-types.js';
import { TarIndex } from './tar-index.js';
import { parseImageName } from './image-names.js';
import { printable } from '../escape-text.js';
import type { ImageName, ImageSource, PlatformFilter, ResolvedImage } from './types.js';
import type { Descriptor } from '../oci/types.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** The full name containerd, Docker (≥ 25) and BuildKit write beside a ref name that is only a tag. */
export const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';

export interface OciLayoutSourceOptions {
  /** Picks the `index.json` entries annotated `org.opencontainers.image.ref.name: <refName>`. */
  refName?: string;
  /** How results name the image; default `oci:<path>[:<refName>]`. */
  reference?: string;
}

/** Opens `path` as a layout directory or, when it is a file, as an uncompressed layout tar. */
export async function openLayoutFiles(path: string): Promise<LayoutFiles> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new PushgateError('ARCHIVE_INVALID', `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (info.isDirectory()) return new DirLayoutFiles(path);
  return new TarLayoutFiles(await TarIndex.open(path));
}

/** Checks `oci-layout` and returns `index.json`'s children. */
export async function readLayoutIndex(files: LayoutFiles): Promise<Descriptor[]> {
  const layoutFile = await files.read('oci-layout', 64 * 1024).catch((err: unknown) => {
    throw withContext(`${files.location} is not an OCI image layout (no oci-layout file)`, err);
  });
  let version: unknown;
  try {
    version = (JSON.parse(layoutFile.toString('utf8')) as { imageLayoutVersion?: unknown })
      .imageLayoutVersion;
  } catch {
    throw new PushgateError('ARCHIVE_INVALID', `${files.location}: oci-layout is not JSON`);
  }
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    throw new PushgateError(
      'ARCHIVE_INVALID',
      `${files.location}: unsupported imageLayoutVersion ${JSON.stringify(version)} (pushgate reads 1.x)`,
    );
  }
  const body = await files.read('index.json', MAX_MANIFEST_BYTES);
  let index;
  try {
    index = parseManifest(body, MediaType.ociIndex);
  } catch (err) {
    throw withContext(`${files.location}: index.json`, err);
  }
  if (index.kind !== 'index') {
    throw new PushgateError('ARCHIVE_INVALID', `${files.location}: index.json is not an image index`);
  }
  return index.manifests;
}

function refNames(children: Descriptor[]): string[] {
  const names = children.map((d) => d.annotations?.[REF_NAME_ANNOTATION]).filter((n): n is string => !!n);
  return [...new Set(names)];
}

/**
 * An OCI image layout (image-spec image-layout.md), as a directory or a tar of one:
 * `oci:DIR`, `oci:FILE.tar`, with an optional `:REF` selecting a ref name.
 */
export class OciLayoutSource implements ImageSource {
  readonly kind = 'oci' as const;

  constructor(
    private readonly path: string,
    private readonly options: OciLayoutSourceOptions = {},
  ) {}

  private get reference(): string {
    return (
      this.options.reference ?? `oci:${this.path}${this.options.refName ? `:${this.options.refName}` : ''}`
    );
  }

  async resolve(filter?: PlatformFilter): Promise<ResolvedImage> {
    const reference = this.reference;
    const files = await openLayoutFiles(this.path);
    let children = await readLayoutIndex(files);
    const available = refNames(children);
    const { refName } = this.options;
    if (refName !== undefined) {
      children = children.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === refName);
      if (children.length === 0) {
        throw new PushgateError(
          'ARCHIVE_INVALID',
          `${reference}: no image named "${refName}" in ${files.location}; it holds: ${available.join(', ') || 'no named images'}`,
        );
      }
    } else if (available.length > 1) {
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${reference} holds several images (${available.join(', ')}); pick one with oci:${this.path}:NAME`,
      );
    }

    const names = this.names(children, reference, files.location);

    let indexDigest: string | undefined;
    if (children.length === 1 && isIndexMediaType(children[0].mediaType)) {
      indexDigest = children[0].digest;
      const index = await readLayoutManifest(files, children[0]);
      if (index.kind !== 'index') {
        throw new PushgateError('MANIFEST_INVALID', `${files.location}: ${indexDigest} is not an index`);
      }
      children = index.manifests;
    }
    const { platforms, skipped } = await resolveLayoutChildren(files, children, filter, reference);
    return {
      reference,
      source: 'oci',
      ...(indexDigest ? { indexDigest } : {}),
      names,
      platforms,
      skipped,
    };
  }

  /**
   * The names of the chosen `index.json` entries: the ref name (a full reference, or only a tag)
   * and `io.containerd.image.name` (a full reference) — both, when both are there: the image is
   * judged under every name it carries, so a second annotation cannot steer it out of scope.
   */
  private names(children: Descriptor[], reference: string, location: string): ImageName[] {
    const names = new Map<string, ImageName>();
    for (const child of children) {
      const refName = child.annotations?.[REF_NAME_ANNOTATION];
      if (!refName) continue;
      const containerdName = child.annotations?.[CONTAINERD_NAME_ANNOTATION];
      for (const text of containerdName ? [refName, containerdName] : [refName]) {
        if (names.has(text)) continue;
        const label =
          text === refName && this.options.refName !== undefined ? reference : `oci:${this.path}:${text}`;
        const name = parseImageName(text, label, { refName: true });
        // A name pushgate cannot read could be the one a policy is scoped to: refuse, never skip it.
        if (name === undefined) {
          throw new PushgateError(
            'ARCHIVE_INVALID',
            `${location}: index.json names an image "${printable(text)}", which is not an image name`,
          );
        }
        names.set(text, name);
      }
    }
    return [...names.values()];
  }

  async close(): Promise<void> {
    // Nothing held open: tar bodies and blobs are opened per read.
  }
}
