import type { SourceKind } from '../image/types.js';

/**
 * The document policies are written against, one per platform. `facts.schema.json` beside this
 * file describes it; a test validates every document the scanner produces against that schema.
 * Structural sections are always present; detector sections come from the extractors.
 */
export interface ImageFacts {
  image: ImageSection;
  config: ConfigSection;
  history: HistoryFact[];
  layers: LayerFact[];
  totals: TotalsSection;
  os?: OsFact | null;
}

export interface ImageSection {
  reference: string;
  source: SourceKind;
  indexDigest?: string;
  manifestDigest?: string;
  configDigest: string;
  /** `os/arch[/variant]` */
  platform: string;
  created?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ConfigSection {
  /** USER exactly as written in the config; null when not set. Resolution happens in the user detector. */
  user: string | null;
  /** ENV variable names only: values may hold secrets and are scanned, never copied. */
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  exposedPorts: string[];
  volumes: string[];
  workdir: string | null;
  stopSignal: string | null;
  healthcheck: HealthcheckFact | null;
}

export interface HealthcheckFact {
  test: string[];
  /** True for `HEALTHCHECK NONE` (test `["NONE"]`), which disables an inherited check. */
  disabled: boolean;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  startPeriodSeconds?: number;
  retries?: number;
}

export interface HistoryFact {
  index: number;
  /** `created_by`, with the values of secret-looking build arguments masked. */
  createdBy: string;
  created?: string;
  comment?: string;
  emptyLayer: boolean;
  /** Index of the layer this step produced, null for empty-layer steps. */
  layerIndex: number | null;
}

export interface LayerFact {
  index: number;
  digest: string;
  diffId?: string;
  mediaType: string;
  compressedSize: number;
  uncompressedSize: number;
  fileCount: number;
  /** Regular-file bytes this layer wrote. */
  bytesAdded: number;
  /** Bytes of lower-layer files this layer deleted or replaced. */
  bytesRemoved: number;
  createdBy?: string;
  /** Non-fatal oddities the walker saw (duplicate paths, dangling hard links…). */
  warnings: string[];
}

export interface TotalsSection {
  layerCount: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Files visible in the final filesystem (all entry kinds but directories). */
  fileCount: number;
  /** Regular-file bytes visible in the final filesystem. */
  finalBytes: number;
  /** Bytes written by one layer and overwritten or deleted by a later one. */
  wastedBytes: number;
}

export interface OsFact {
  id: string;
  versionId?: string;
  prettyName?: string;
  /** The file it came from, and the layer that wrote it. */
  evidence: { path: string; layer: number };
}
