import type { ContainerConfig, ImageConfig, Platform } from '../../../src/oci/types.js';

/**
 * One tar entry. Paths are written as Docker and BuildKit write them: a leading `/` is dropped
 * (`/etc/passwd` and `etc/passwd` both give `etc/passwd`); everything else (`..`, `./`, odd bytes)
 * is kept verbatim so hostile layers can be built.
 */
export type FileSpec =
  | {
      path: string;
      type?: 'file';
      content: string | Buffer;
      mode?: number;
      uid?: number;
      gid?: number;
      mtime?: Date;
    }
  | { path: string; type: 'dir'; mode?: number; uid?: number; gid?: number }
  | { path: string; type: 'symlink'; target: string }
  /** `target` is the path of an earlier entry in the same layer. */
  | { path: string; type: 'hardlink'; target: string }
  /** Writes `DIR/.wh.NAME` for path `DIR/NAME`. */
  | { path: string; type: 'whiteout' }
  /** Writes `PATH/.wh..wh..opq` for directory `PATH`. */
  | { path: string; type: 'opaque' };

export interface LayerSpec {
  files: FileSpec[];
  /** Default `gzip`. */
  compression?: 'gzip' | 'zstd' | 'none';
  /** History `created_by`; default `ADD files in /`. */
  createdBy?: string;
}

export interface ImageSpec {
  layers: LayerSpec[];
  /** The runtime config (User, Env, Entrypoint, Cmd, Labels, Healthcheck…). */
  config?: ContainerConfig;
  /** Default `{ os: 'linux', architecture: 'amd64' }`. */
  platform?: Platform;
  /** Media types of manifest, config and layers; default `oci`. */
  format?: 'oci' | 'docker';
  /** Default a fixed timestamp so builds are reproducible. */
  created?: string;
  /** History entries with `empty_layer: true` (ENV/USER steps), placed after layer `afterLayer` (0-based; -1 = before all). */
  emptyLayerHistory?: Array<{ createdBy: string; afterLayer: number }>;
  /** Manifest annotations. */
  annotations?: Record<string, string>;
  /**
   * Rewrites the config JSON before it is serialised, for hostile configs the typed spec cannot
   * express (`history: [null]`, `Env: "PATH=/bin"`, a wrong diff_id). Returns the JSON to write.
   */
  rawConfig?: (config: Record<string, unknown>) => unknown;
}

export interface BuiltBlob {
  digest: string;
  size: number;
  mediaType: string;
  data: Buffer;
}

export interface BuiltLayer extends BuiltBlob {
  diffId: string;
  uncompressedSize: number;
}

export interface BuiltImage {
  kind: 'image';
  manifest: BuiltBlob;
  config: BuiltBlob;
  configJson: ImageConfig;
  layers: BuiltLayer[];
  platform: Platform;
}

export interface BuiltIndex {
  kind: 'index';
  index: BuiltBlob;
  images: BuiltImage[];
  attestations: BuiltImage[];
}

export interface PushTarget {
  /** e.g. `http://127.0.0.1:5000` */
  url: string;
  repository: string;
  tag?: string;
  auth?: { username: string; password: string };
}
