import { PushgateError, type ErrorCode } from '../errors.js';
import type { WalkProgress } from '../inspect/walk-layer.js';
import type { LayerInfo, WalkLimits } from '../inspect/types.js';
import type { Descriptor } from '../oci/types.js';
import type { CachedLayer } from './layer-cache.js';

/**
 * Messages between the layer thread pool (layer-thread-pool.ts) and a layer thread
 * (layer-thread.ts). Every message names its job: a thread ignores what belongs to a job it has
 * already finished (chunks posted before the pool saw the failure).
 */
export type ToLayerThread =
  | {
      type: 'start';
      job: number;
      info: LayerInfo;
      descriptor: Descriptor;
      /** The extractors to run, in this order: registered ones by id, configured ones with their options. */
      extractors: ExtractorSpec[];
      limits: WalkLimits;
      /** The image's ImageBudget memory, charged by this thread and every other. */
      budget: SharedArrayBuffer;
      /** The pool's source stream checks the blob digest (its failure arrives as source-error). */
      digestCheckedBySource: boolean;
    }
  | { type: 'chunk'; job: number; chunk: Uint8Array }
  | { type: 'end'; job: number }
  | { type: 'source-error'; job: number; error: SerializedError }
  | { type: 'abort'; job: number; reason: SerializedError };

export type FromLayerThread =
  /** Bytes of the blob the walker has taken in: the pool sends more only while little is unread. */
  | { type: 'ack'; job: number; bytes: number }
  | { type: 'progress'; job: number; progress: WalkProgress }
  | { type: 'done'; job: number; layer: CachedLayer }
  | { type: 'failed'; job: number; error: SerializedError };

/** An extractor a thread can make: `configureExtractor(id, options)`. */
export interface ExtractorSpec {
  id: string;
  options?: Readonly<Record<string, unknown>>;
}

/** An error as it crosses a thread: structured clone keeps only name and message of an Error. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  transient?: boolean;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const e = err as Error & Partial<Pick<PushgateError, 'code' | 'transient' | 'retryable' | 'details'>>;
  return {
    name: e.name,
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(e.transient === undefined ? {} : { transient: e.transient }),
    ...(e.retryable === undefined ? {} : { retryable: e.retryable }),
    ...(e.details === undefined ? {} : { details: e.details }),
  };
}

/** The error again: a PushgateError keeps its code, flags and details; an abort stays an AbortError. */
export function deserializeError(error: SerializedError): Error {
  if (error.name === 'PushgateError' && error.code !== undefined) {
    return new PushgateError(error.code as ErrorCode, error.message, {
      ...(error.transient === undefined ? {} : { transient: error.transient }),
      ...(error.retryable === undefined ? {} : { retryable: error.retryable }),
      ...(error.details === undefined ? {} : { details: error.details }),
    });
  }
  const plain = new Error(error.message);
  plain.name = error.name;
  return plain;
}
