/** OCI image-spec shapes every source, the registry client and the walker share. */

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/**
 * The runtime part of an image config (`config` key), Docker/OCI spelling, as
 * `parseImageConfig` leaves it: a JSON null reads as absent (or "" inside lists), as in Go.
 */
export interface ContainerConfig {
  User?: string;
  Env?: string[];
  /** Absent when the image sets none (Go's nil), `[]` when it sets an empty one. */
  Entrypoint?: string[];
  Cmd?: string[];
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: {
    Test?: string[];
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    Retries?: number;
  };
}

/** The image config blob (image-spec config.md), normalised by `parseImageConfig` (image-config.ts). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  'os.version'?: string;
  created?: string;
  author?: string;
  config: ContainerConfig;
  rootfs?: { type: string; diff_ids: string[] };
  history: HistoryEntry[];
}
