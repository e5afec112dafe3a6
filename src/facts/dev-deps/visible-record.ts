import type { LayerStack } from '../../inspect/layer-stack.js';
import type { LayerInfo } from '../../inspect/types.js';
import { getOwn } from './layer-result.js';

/** A parsed file of the final filesystem, with the layer that wrote the visible copy. */
export interface VisibleRecord<T> {
  value: T;
  /** The path reached after following symlinks. */
  path: string;
  info: LayerInfo;
}

/**
 * The parsed record of the file visible at `path` in the final filesystem (symlinks followed):
 * the copy of the layer that wrote it last, so an earlier layer's version of the file does not
 * count once a later layer replaced or deleted it.
 */
export function visibleRecord<R, T>(
  stack: LayerStack,
  layers: ReadonlyArray<{ info: LayerInfo; result: R }>,
  pick: (result: R) => Record<string, T>,
  path: string,
): VisibleRecord<T> | undefined {
  const resolved = stack.resolve(path);
  if (!resolved || resolved.entry.layer < 0 || resolved.entry.kind !== 'file') return undefined;
  const layer = layers[resolved.entry.layer];
  if (!layer) return undefined;
  const value = getOwn(pick(layer.result), resolved.path);
  return value === undefined ? undefined : { value, path: resolved.path, info: layer.info };
}

/** The visible file at `path` (symlinks followed) and the layer that wrote it, parsed or not. */
export function visibleFile(
  stack: LayerStack,
  layers: readonly LayerInfo[],
  path: string,
): { path: string; info: LayerInfo } | undefined {
  const resolved = stack.resolve(path);
  if (!resolved || resolved.entry.layer < 0) return undefined;
  if (resolved.entry.kind !== 'file' && resolved.entry.kind !== 'hardlink') return undefined;
  const info = layers[resolved.entry.layer];
  return info ? { path: resolved.path, info } : undefined;
}
