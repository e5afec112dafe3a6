import type { ImageConfig } from '../oci/types.js';
import type { LayerStack } from '../inspect/layer-stack.js';
import type { LayerEntry, LayerInfo, Want } from '../inspect/types.js';
import type { CheckDefinition, ReportFinding } from './checks.js';
import type { ImageFacts } from './image-facts.js';
export type { Want };

/**
 * Collects one layer's findings. Its result must be plain JSON and must not depend on where the
 * layer sits in the image (the same layer is shared by many images and cached by its digest):
 * layer index, digest and history are attached as evidence in `assemble`.
 */
export interface LayerCollector<R> {
  /**
   * Each data slice of a file its extractor wanted as `{ stream: true }`, in order; a view valid
   * only during the call. `onEntry(entry, undefined)` follows the last slice.
   */
  onChunk?(entry: LayerEntry, chunk: Buffer): void;
  /**
   * The entry, with the content prefix it asked for (`{ content }`). The content is often a view
   * of a larger decompressed chunk: parse it, or copy what you keep, so the chunk can be freed.
   */
  onEntry(entry: LayerEntry, content?: Buffer): void | Promise<void>;
  finish(): R;
}

export interface AssembleInput<R> {
  config: ImageConfig;
  layers: Array<{ info: LayerInfo; result: R }>;
  /** The merged filesystem view: which layer added a path, whether a later layer deleted it. */
  stack: LayerStack;
  /**
   * The facts assembled so far: the structural sections plus the sections of every extractor
   * listed before this one (e.g. `packages` for the compiler detector). Read-only.
   */
  facts: Readonly<Partial<ImageFacts>> &
    Pick<ImageFacts, 'image' | 'config' | 'history' | 'layers' | 'totals'>;
}

/**
 * One detector. The walker unions every extractor's `wants` into one predicate, so each layer is
 * read once whatever the number of extractors. Bump `version` when results change: it is part of
 * the layer cache key.
 */
export interface FactExtractor<R = unknown> {
  readonly id: string;
  readonly version: number;
  /**
   * For an extractor made with options (`createSecretsExtractor({ fingerprintKey })`): those
   * options as plain JSON, from which a layer thread makes the same extractor
   * (`configureExtractor` in extractors/index.ts). Absent on the fixed ones.
   */
  readonly threadOptions?: Readonly<Record<string, unknown>>;
  /** The checks this extractor's findings belong to (documented in CHECKS.md). */
  readonly checks: readonly CheckDefinition[];
  /** JSON Schema (2020-12) of each facts section it writes, by section name; merged into facts.schema.json. */
  readonly schema: Readonly<Record<string, object>>;
  wants(entry: LayerEntry): Want;
  collect(layer: LayerInfo): LayerCollector<R>;
  assemble(input: AssembleInput<R>): Partial<ImageFacts>;
  /** The report findings its sections hold (empty when there is nothing to report). */
  findings(facts: ImageFacts): ReportFinding[];
}
