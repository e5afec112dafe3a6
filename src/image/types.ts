import type { Readable } from 'node:stream';
import type { Descriptor, ImageConfig, Platform } from '../oci/types.js';

export interface LayerRef {
  /** The blob as the source stores it (compressed for registries, plain tar for docker save). */
  descriptor: Descriptor;
  /** Uncompressed digest from the config's rootfs.diff_ids, when present. */
  diffId?: string;
}

/** One runnable image (one platform) as every source presents it. */
export interface PlatformImage {
  platform: Platform;
  /** Digest of the image manifest; absent for sources that have none (docker save archives). */
  manifestDigest?: string;
  manifestMediaType?: string;
  /** Manifest annotations, when the source has a manifest. */
  annotations?: Record<string, string>;
  configDigest: string;
  config: ImageConfig;
  layers: LayerRef[];
  /**
   * The raw bytes of layer `i` exactly as described by `layers[i].descriptor`. The caller verifies
   * digest and size while it streams; a source may verify too.
   */
  openLayer(index: number): Promise<Readable>;
}

export type SourceKind = 'registry' | 'docker' | 'docker-archive' | 'oci';

/**
 * A name an image carries besides the reference it was read by: a `RepoTags` entry of a
 * `docker save` archive or of the engine, an OCI layout's `org.opencontainers.image.ref.name`.
 * Policies match on these, so an archive of `prod/app:1` is judged as `prod/app:1`.
 */
export interface ImageName {
  /** As the source spells it: `prod/app:1`, or `1.0` for a layout ref name that is only a tag. */
  text: string;
  /** A reference that reads this image under this name, e.g. `docker-archive:app.tar:prod/app:1`. */
  reference: string;
  /** The registry host the name spells (`registry.example.com/prod/app:1`), '' when it spells none. */
  registry: string;
  /** Normalised as Docker does (`app` is `library/app`); absent for a name that is only a tag. */
  repository?: string;
  tag?: string;
}

export interface ResolvedImage {
  /** Normalised reference, e.g. `localhost:5000/team/app:1.0` or `docker-archive:/tmp/a.tar`. */
  reference: string;
  source: SourceKind;
  /** Digest of the top-level index when the reference named a multi-platform index. */
  indexDigest?: string;
  /**
   * The names this image is judged under (sources other than a registry): the one the reference
   * selected, else every name the archive, layout or engine gives it; empty when it has none.
   */
  names?: ImageName[];
  platforms: PlatformImage[];
  /** What was left out and why, so nothing is skipped silently. */
  skipped: {
    /** BuildKit attestation manifests (`vnd.docker.reference.type: attestation-manifest`). */
    attestations: number;
    /** Platforms excluded by `--platform`. */
    otherPlatforms: number;
    /** Index children whose media type is not an image manifest. */
    unknownManifests: number;
  };
}

export interface PlatformFilter {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageSource {
  readonly kind: SourceKind;
  resolve(filter?: PlatformFilter): Promise<ResolvedImage>;
  /** Releases temp files and connections. Safe to call twice. */
  close(): Promise<void>;
}
