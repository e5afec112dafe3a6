import type { CheckDefinition, ReportFinding } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import type { Evidence } from '../evidence.js';
import type { AssembleInput, FactExtractor } from '../extractor.js';
import type { EfficiencySection } from '../image-facts.js';
import type { LayerInfo } from '../../inspect/types.js';

/** The check fires when both hold: at least this many wasted bytes (decimal MB, as reports print)… */
export const WASTED_BYTES_THRESHOLD = 10_000_000;
/** …and at least this share of all bytes the layers wrote (dive's default `lowestEfficiency` 0.9). */
export const WASTED_SHARE_THRESHOLD = 0.1;
export const LARGEST_FILES = 20;
export const WASTED_PATHS = 20;
/** Evidence items kept per wasted path (a path rewritten by hundreds of layers keeps its count). */
const EVIDENCE_PER_PATH = 50;

/**
 * Per layer, its non-empty regular files as parallel arrays, plus the indexes of those a later
 * file entry of the same layer superseded. The layer tables hold the same rows, but LayerStack
 * exposes only the final filesystem, not the copies it removed.
 */
interface LayerResult {
  paths: string[];
  sizes: number[];
  superseded: number[];
}

/** One copy of a file a layer wrote. */
interface Copy {
  layer: number;
  bytes: number;
  state: 'present' | 'deleted' | 'replaced';
  byLayer?: number;
}

interface PresentFile {
  path: string;
  bytes: number;
  layer: number;
}

/** A path with wasted copies: bytes and copies count the overwritten or deleted copies only. */
export interface WastedPath {
  path: string;
  bytes: number;
  copies: Copy[];
}

const CHECKS: readonly CheckDefinition[] = [
  {
    id: 'wasted-bytes',
    title: 'Bytes overwritten or deleted by later layers',
    severity: 'low',
    category: 'Efficiency',
    description: `Regular-file bytes a layer wrote that a later layer overwrote or deleted (N−1 copies of a file rewritten N times; whiteouts of directories and opaque directories count the files below). Fires when they reach ${WASTED_BYTES_THRESHOLD / 1_000_000} MB and ${WASTED_SHARE_THRESHOLD * 100} % of all bytes the layers wrote.`,
    remedy: REMEDIES.wastedBytes,
  },
];

/**
 * Sorts every copy of every regular file the layers wrote into the final filesystem (for the
 * largest files) or the waste. Agrees with `LayerStack.wastedBytes` byte for byte: the same
 * copies, decided by the same stack. Two passes keep it cheap on images with a million files: the
 * first sums wasted bytes per path (a number per path, no objects), the second asks the stack who
 * deleted or replaced the copies of the `wastedLimit` paths wasting most.
 */
export function classifyCopies(
  input: Pick<AssembleInput<LayerResult>, 'layers' | 'stack'>,
  largestLimit = LARGEST_FILES,
  wastedLimit = WASTED_PATHS,
): {
  /** Wasted bytes by path, every path. */
  bytesByPath: Map<string, number>;
  /** The `wastedLimit` paths wasting most, largest first, with their wasted copies by layer. */
  topWasted: WastedPath[];
  /** The `largestLimit` largest files of the final filesystem, largest first. */
  largestPresent: PresentFile[];
  wastedBytes: number;
} {
  const { layers, stack } = input;
  const bytesByPath = new Map<string, number>();
  const largestPresent: PresentFile[] = [];
  let wastedBytes = 0;
  /**
   * -1: the copy the final filesystem shows; 1: a later file entry of its own layer superseded it;
   * 2: a later non-file entry of its own layer (directory, link) did; 0: a later layer removed it.
   */
  const sameLayer = (layer: number, path: string, row: number, superseded: Set<number>): number => {
    if (superseded.has(row)) return 1;
    const final = stack.lookup(path);
    if (final !== undefined && final.layer === layer) return final.kind === 'file' ? -1 : 2;
    return 0;
  };
  for (const { info, result } of layers) {
    const { paths, sizes } = result;
    const superseded = new Set(result.superseded);
    for (let row = 0; row < paths.length; row++) {
      const how = sameLayer(info.index, paths[row], row, superseded);
      if (how === -1) {
        insertTop(largestPresent, { path: paths[row], bytes: sizes[row], layer: info.index }, largestLimit);
        continue;
      }
      wastedBytes += sizes[row];
      bytesByPath.set(paths[row], (bytesByPath.get(paths[row]) ?? 0) + sizes[row]);
    }
  }

  const top: WastedPath[] = [];
  for (const [path, bytes] of bytesByPath) {
    if (top.length === wastedLimit && !before({ path, bytes }, top[top.length - 1])) continue;
    insertTop(top, { path, bytes, copies: [] }, wastedLimit);
  }
  const byPath = new Map(top.map((item) => [item.path, item]));
  if (byPath.size > 0) {
    for (const { info, result } of layers) {
      const layer = info.index;
      const superseded = new Set(result.superseded);
      result.paths.forEach((path, row) => {
        const item = byPath.get(path);
        if (item === undefined) return;
        const bytes = result.sizes[row];
        const how = sameLayer(layer, path, row, superseded);
        if (how === -1) return;
        if (how > 0) {
          item.copies.push({ layer, bytes, state: 'replaced', byLayer: layer });
          return;
        }
        const fate = stack.fate(layer, path);
        // Not in the final filesystem, yet the stack says present: cannot happen; say deleted.
        if (fate === undefined || fate.state === 'present')
          item.copies.push({ layer, bytes, state: 'deleted' });
        else item.copies.push({ layer, bytes, state: fate.state, byLayer: fate.byLayer });
      });
    }
  }
  return { bytesByPath, topWasted: top, largestPresent, wastedBytes };
}

function copyEvidence(info: LayerInfo | undefined, path: string, copy: Copy): Evidence {
  return {
    kind: 'file',
    path: `/${path}`,
    layer: copy.layer,
    ...(info ? { layerDigest: info.digest } : {}),
    ...(info?.createdBy ? { createdBy: info.createdBy } : {}),
    state: copy.state,
    ...(copy.byLayer !== undefined ? { byLayer: copy.byLayer } : {}),
    detail: `${copy.bytes} bytes`,
  };
}

function before(a: { path: string; bytes: number }, b: { path: string; bytes: number }): boolean {
  return a.bytes > b.bytes || (a.bytes === b.bytes && a.path < b.path);
}

/** Keeps `top` the `limit` largest items seen, largest first, ties by path (no sort of a million files). */
function insertTop<T extends { path: string; bytes: number }>(top: T[], item: T, limit: number): void {
  if (top.length === limit && !before(item, top[top.length - 1])) return;
  let at = top.length;
  while (at > 0 && before(item, top[at - 1])) at--;
  top.splice(at, 0, item);
  if (top.length > limit) top.pop();
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

const EVIDENCE_REF = { $ref: '#/$defs/evidence' } as const;

/**
 * Wasted space (dive's metric, corrected: N−1 copies, opaque directories counted), an efficiency
 * score, the largest files and the paths wasting most. Per-layer bytes added and removed are in the
 * structural `layers` section, the total in `totals.wastedBytes`.
 */
export const efficiency: FactExtractor<LayerResult> = {
  id: 'efficiency',
  version: 1,
  checks: CHECKS,
  schema: {
    efficiency: {
      description:
        'Wasted space: regular-file bytes that a later layer overwrote or deleted (N−1 copies; whiteouts and opaque directories count the files below), the score 1 − wasted / bytes written by all layers, the largest files of the final filesystem and the paths wasting most.',
      type: 'object',
      required: ['wastedBytes', 'score', 'largestFiles', 'wasted'],
      additionalProperties: false,
      properties: {
        wastedBytes: { type: 'integer', minimum: 0, description: 'Equals totals.wastedBytes.' },
        score: { type: 'number', minimum: 0, maximum: 1 },
        largestFiles: {
          type: 'array',
          maxItems: LARGEST_FILES,
          description: `The ${LARGEST_FILES} largest regular files of the final filesystem, largest first.`,
          items: {
            type: 'object',
            required: ['path', 'bytes', 'evidence'],
            additionalProperties: false,
            properties: {
              path: { type: 'string' },
              bytes: { type: 'integer', minimum: 0 },
              evidence: EVIDENCE_REF,
            },
          },
        },
        wasted: {
          type: 'array',
          maxItems: WASTED_PATHS,
          description: `The ${WASTED_PATHS} paths with most wasted bytes, largest first; bytes and copies count the overwritten or deleted copies only, with one evidence item (state replaced or deleted) per copy (at most ${EVIDENCE_PER_PATH}).`,
          items: {
            type: 'object',
            required: ['path', 'bytes', 'copies', 'evidence'],
            additionalProperties: false,
            properties: {
              path: { type: 'string' },
              bytes: { type: 'integer', minimum: 0 },
              copies: { type: 'integer', minimum: 1 },
              evidence: { type: 'array', items: EVIDENCE_REF },
            },
          },
        },
      },
    },
  },
  wants(entry) {
    // Empty files too: one written over a non-empty copy in the same layer supersedes it.
    return entry.type === 'file' ? 'header' : false;
  },
  collect() {
    const result: LayerResult = { paths: [], sizes: [], superseded: [] };
    /** Path → row in `result` of its last copy in this layer (-1: an empty file, not kept). */
    const seen = new Map<string, number>();
    return {
      onEntry(entry) {
        const earlier = seen.get(entry.path);
        if (earlier !== undefined && earlier >= 0) result.superseded.push(earlier);
        if (entry.size === 0) {
          seen.set(entry.path, -1);
          return;
        }
        seen.set(entry.path, result.paths.length);
        result.paths.push(entry.path);
        result.sizes.push(entry.size);
      },
      finish: () => result,
    };
  },
  assemble(input) {
    const { layers, stack } = input;
    const { topWasted, largestPresent, wastedBytes } = classifyCopies(input);
    let written = 0;
    for (let i = 0; i < layers.length; i++) written += stack.bytesAdded(i);
    const info = (layer: number): LayerInfo | undefined => layers[layer]?.info;
    const section: EfficiencySection = {
      wastedBytes,
      score: written === 0 ? 1 : Math.round((1 - wastedBytes / written) * 10_000) / 10_000,
      largestFiles: largestPresent.map((file) => ({
        path: `/${file.path}`,
        bytes: file.bytes,
        evidence: copyEvidence(info(file.layer), file.path, {
          layer: file.layer,
          bytes: file.bytes,
          state: 'present',
        }),
      })),
      wasted: topWasted.map((item) => ({
        path: `/${item.path}`,
        bytes: item.bytes,
        copies: item.copies.length,
        evidence: item.copies
          .slice()
          .sort((a, b) => a.layer - b.layer)
          .slice(0, EVIDENCE_PER_PATH)
          .map((copy) => copyEvidence(info(copy.layer), item.path, copy)),
      })),
    };
    return { efficiency: section };
  },
  findings(facts) {
    const e = facts.efficiency;
    if (!e) return [];
    const written = facts.layers.reduce((sum, layer) => sum + layer.bytesAdded, 0);
    const share = written === 0 ? 0 : e.wastedBytes / written;
    if (e.wastedBytes < WASTED_BYTES_THRESHOLD || share < WASTED_SHARE_THRESHOLD) return [];
    const top = e.wasted
      .slice(0, 3)
      .map((w) => `${w.path} (${megabytes(w.bytes)}, ${w.copies} ${w.copies === 1 ? 'copy' : 'copies'})`);
    const finding: ReportFinding = {
      check: 'wasted-bytes',
      severity: CHECKS[0].severity,
      category: CHECKS[0].category,
      message: `${megabytes(e.wastedBytes)} (${(share * 100).toFixed(1)} %) of the ${megabytes(written)} the layers wrote is overwritten or deleted by later layers (score ${e.score}); most: ${top.join(', ')}`,
      evidence: e.wasted.slice(0, 5).flatMap((w) => w.evidence.slice(0, 4)),
    };
    return [finding];
  },
};
