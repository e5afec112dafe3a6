import type { LayerStack } from '../inspect/layer-stack.js';
import type { LayerInfo } from '../inspect/types.js';

/**
 * Where a finding comes from. Every finding carries at least one: the path, the layer that wrote
 * it (index, digest and the history step), and whether a later layer deleted or replaced it.
 */
export interface Evidence {
  /** What kind of proof this is. */
  kind: 'file' | 'package' | 'history' | 'config';
  /** Absolute path in the image (`/usr/bin/gcc`); for `config`, the config key (`Env`, `User`). */
  path: string;
  /** Layer index; absent for config evidence. */
  layer?: number;
  layerDigest?: string;
  /** `created_by` of the layer's history step (build-arg values of secret-looking names masked). */
  createdBy?: string;
  /** `present`: visible in the final filesystem. `deleted`/`replaced`: a later layer removed it. */
  state: 'present' | 'deleted' | 'replaced';
  byLayer?: number;
  /** The OS package owning the path, where the package database says so. */
  package?: string;
  /** One line of human detail: the package version, the history command matched, the symlink target. */
  detail?: string;
}

/** Evidence for `path` as written by `layer` (paths are normalised, without a leading slash). */
export function fileEvidence(
  layer: LayerInfo,
  path: string,
  stack: LayerStack,
  extra: Partial<Pick<Evidence, 'kind' | 'package' | 'detail'>> = {},
): Evidence {
  const fate = stack.fate(layer.index, path) ?? { state: 'present' as const };
  return {
    kind: extra.kind ?? 'file',
    path: `/${path}`,
    layer: layer.index,
    layerDigest: layer.digest,
    ...(layer.createdBy ? { createdBy: layer.createdBy } : {}),
    state: fate.state,
    ...(fate.state === 'present' ? {} : { byLayer: fate.byLayer }),
    ...(extra.package ? { package: extra.package } : {}),
    ...(extra.detail ? { detail: extra.detail } : {}),
  };
}

/** Evidence that a history step (a `RUN` line) did something, e.g. installed a compiler. */
export function historyEvidence(
  layer: LayerInfo | undefined,
  historyIndex: number,
  detail: string,
): Evidence {
  return {
    kind: 'history',
    path: `history[${historyIndex}]`,
    ...(layer ? { layer: layer.index, layerDigest: layer.digest } : {}),
    ...(layer?.createdBy ? { createdBy: layer.createdBy } : {}),
    state: 'present',
    detail,
  };
}

export const EVIDENCE_SCHEMA = {
  type: 'object',
  required: ['kind', 'path', 'state'],
  additionalProperties: false,
  properties: {
    kind: { enum: ['file', 'package', 'history', 'config'] },
    path: { type: 'string' },
    layer: { type: 'integer', minimum: 0 },
    layerDigest: { type: 'string' },
    createdBy: { type: 'string' },
    state: { enum: ['present', 'deleted', 'replaced'] },
    byLayer: { type: 'integer', minimum: 0 },
    package: { type: 'string' },
    detail: { type: 'string' },
  },
} as const;
