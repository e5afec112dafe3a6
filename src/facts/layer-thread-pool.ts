import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PushgateError, readingFault } from '../errors.js';
import { threadSafeExecArgv } from '../node-flags.js';
import { runnableEntry } from '../runnable-entry.js';
import type { ImageBudget } from '../inspect/image-budget.js';
import type { LayerInfo, WalkLimits } from '../inspect/types.js';
import { sourceChecksDigest, type WalkProgress } from '../inspect/walk-layer.js';
import type { Descriptor } from '../oci/types.js';
import type { CachedLayer } from './layer-cache.js';
import {
  deserializeError,
  serializeError,
  type ExtractorSpec,
  type FromLayerThread,
  type ToLayerThread,
} from './layer-thread-protocol.js';

/**
 * Blob bytes posted to a thread and not yet taken in by its walker. Above HIGH the download pauses
 * until the walker is down to LOW: a fast registry never piles a layer up in a thread's queue.
 */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** An idle thread is stopped after this long, giving its memory back to a long-running process. */
const IDLE_MS = 30_000;
/**
 * A layer thread's young generation, in MiB (V8 grows it to 48 by default on 64-bit). A layer's
 * garbage is mostly short-lived buffers and strings: a small nursery collects it sooner. Measured
 * on the bench images at the same scan time (issue 16): peak RSS 4–11 MiB lower with Node's
 * defaults, 10–30 MiB lower with the opt-in single-threaded GC (node-flags.ts).
 */
const THREAD_YOUNG_GENERATION_MB = 12;
const THREAD_LIMITS = { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB };

export interface ThreadReadOptions {
  limits: WalkLimits;
  budget: ImageBudget;
  signal?: AbortSignal;
  onProgress?: (progress: WalkProgress) => void;
}

/** What a walk stopped by its signal rejects with (as `pipeline` does on the calling thread). */
function abortError(reason: unknown): Error {
  const err = new Error('The operation was aborted', { cause: reason });
  err.name = 'AbortError';
  return err;
}

/** The thread's entry: compiled next to this file, or the tsx shim in a source checkout. */
function threadEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return runnableEntry(here.endsWith('.js'), dirname(here), 'layer-thread');
}

/**
 * The thread's Node options: the process's own (--cpu-prof, heap sizes…) but not a TypeScript
 * loader such as `--import tsx`: the compiled entry needs none and the source shim registers its own;
 * nor pushgate's V8 options (node-flags.ts).
 */
function threadExecArgv(): string[] {
  const args: string[] = [];
  const argv = threadSafeExecArgv();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if ((arg === '--import' || arg === '--require' || arg === '--loader') && /tsx/.test(argv[i + 1] ?? '')) {
      i++;
      continue;
    }
    if (/^--(import|require|loader)=.*tsx/.test(arg)) continue;
    args.push(arg);
  }
  return args;
}

interface Slot {
  worker: Worker;
  idleTimer?: NodeJS.Timeout;
  /** Set when the thread has exited: it takes no more layers. */
  exited?: boolean;
}

/**
 * Worker threads that read layers (layer-thread.ts), at most `size` at once; callers beyond that
 * wait for a free thread. Threads start on first use and stop after IDLE_MS idle; an idle thread
 * never keeps the process alive.
 */
export class LayerThreadPool {
  #size: number;
  readonly #idle: Slot[] = [];
  readonly #busy = new Set<Slot>();
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  #nextJob = 1;
  #layersRead = 0;

  constructor(size: number) {
    this.#size = Math.max(1, size);
  }

  /** Layers read in this pool's threads so far (successfully or not). */
  get layersRead(): number {
    return this.#layersRead;
  }

  /** Threads running now, idle or busy. */
  get threads(): number {
    return this.#idle.length + this.#busy.size;
  }

  /** Lets more layers run at once (never fewer: threads already running keep going). */
  grow(size: number): void {
    if (size <= this.#size) return;
    this.#size = size;
    while (this.#waiting.length > 0 && this.#running < this.#size) {
      this.#running++;
      this.#waiting.shift()!();
    }
  }

  /**
   * Opens (once a thread is free, so no download waits idle) and reads one layer blob in a thread with the named extractors (all from EXTRACTORS). Resolves as
   * readLayer would; a failure keeps its code, and a thread that dies fails its layer as INTERNAL.
   */
  async read(
    open: () => Promise<Readable>,
    layer: { info: LayerInfo; descriptor: Descriptor },
    extractors: ExtractorSpec[],
    options: ThreadReadOptions,
  ): Promise<CachedLayer> {
    await this.#turn();
    if (options.signal?.aborted === true) {
      // Stopped while waiting for a thread: do not start a download only to abort it.
      this.#leave();
      throw abortError(options.signal.reason);
    }
    let slot: Slot;
    let stream: Readable;
    try {
      // A new thread boots (loads the extractors) while the download starts.
      slot = this.#idle.pop() ?? this.#start();
    } catch (err) {
      this.#leave();
      throw err;
    }
    clearTimeout(slot.idleTimer);
    try {
      stream = await open();
    } catch (err) {
      this.#park(slot);
      this.#leave();
      throw err;
    }
    if (slot.exited === true) {
      // It died while the download started (out of memory, killed): use a fresh one.
      try {
        slot = this.#start();
      } catch (err) {
        stream.destroy();
        this.#leave();
        throw err;
      }
    }
    slot.worker.ref();
    this.#busy.add(slot);
    const job = this.#nextJob++;
    this.#layersRead++;
    let healthy = true;
    try {
      return await new Promise<CachedLayer>((resolve, reject) => {
        const worker = slot.worker;
        const send = (message: ToLayerThread): void => worker.postMessage(message);
        let unread = 0;
        let paused = false;
        let settled = false;
        const settle = (err: Error | undefined, value?: CachedLayer): void => {
          if (settled) return;
          settled = true;
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          options.signal?.removeEventListener('abort', onAbort);
          stream.off('data', onData);
          stream.off('end', onEnd);
          stream.off('error', onSourceError);
          if (!stream.readableEnded) stream.destroy();
          if (err === undefined) resolve(value!);
          else reject(err);
        };
        const onMessage = (message: FromLayerThread): void => {
          if (message.job !== job) return;
          switch (message.type) {
            case 'ack':
              unread -= message.bytes;
              if (paused && unread <= LOW_WATER) {
                paused = false;
                stream.resume();
              }
              break;
            case 'progress':
              options.onProgress?.(message.progress);
              break;
            case 'done':
              settle(undefined, message.layer);
              break;
            case 'failed':
              settle(deserializeError(message.error));
              break;
          }
        };
        const died = (why: string): void => {
          healthy = false;
          settle(
            new PushgateError('INTERNAL', `the thread reading layer ${layer.info.digest} stopped: ${why}`),
          );
        };
        const onError = (err: Error): void => died(err.message);
        const onExit = (code: number): void => died(`exit code ${code}`);
        const onAbort = (): void =>
          send({ type: 'abort', job, reason: serializeError(options.signal!.reason) });
        const onData = (chunk: Buffer): void => {
          // Structured clone would copy a view's whole ArrayBuffer (a slice of a 100 MB file
          // buffer is 100 MB); copy just the bytes once and hand that memory over.
          const bytes = new Uint8Array(chunk.byteLength);
          bytes.set(chunk);
          worker.postMessage({ type: 'chunk', job, chunk: bytes } satisfies ToLayerThread, [bytes.buffer]);
          unread += chunk.length;
          if (!paused && unread >= HIGH_WATER) {
            paused = true;
            stream.pause();
          }
        };
        const onEnd = (): void => send({ type: 'end', job });
        // Classified here, as the walker would on this thread: a dropped connection is a transient
        // REGISTRY_UNREACHABLE, not an anonymous error the thread could only call INTERNAL.
        const onSourceError = (err: Error): void =>
          send({
            type: 'source-error',
            job,
            error: serializeError(readingFault(`layer ${layer.descriptor.digest}: reading the blob`, err)),
          });

        worker.on('message', onMessage);
        worker.once('error', onError);
        worker.once('exit', onExit);
        send({
          type: 'start',
          job,
          info: layer.info,
          descriptor: layer.descriptor,
          extractors,
          limits: options.limits,
          budget: options.budget.shared,
          digestCheckedBySource: sourceChecksDigest(stream, layer.descriptor),
        });
        if (options.signal?.aborted === true) onAbort();
        else options.signal?.addEventListener('abort', onAbort, { once: true });
        stream.on('data', onData);
        stream.once('end', onEnd);
        stream.on('error', onSourceError);
      });
    } finally {
      this.#busy.delete(slot);
      if (healthy) this.#park(slot);
      else void slot.worker.terminate();
      this.#leave();
    }
  }

  /** Stops every thread (idle ones at once; used by tests and at shutdown). */
  async close(): Promise<void> {
    const idle = this.#idle.splice(0);
    await Promise.all(
      idle.map((slot) => {
        clearTimeout(slot.idleTimer);
        return slot.worker.terminate();
      }),
    );
  }

  /** Stops every thread now, busy ones too: the layers they read fail as INTERNAL. */
  async terminateAll(): Promise<void> {
    const busy = [...this.#busy];
    await Promise.all([this.close(), ...busy.map((slot) => slot.worker.terminate())]);
  }

  #start(): Slot {
    const spawn = (execArgv: string[]): Worker =>
      new Worker(threadEntry(), { name: 'pushgate-layer', execArgv, resourceLimits: THREAD_LIMITS });
    let worker: Worker;
    try {
      worker = spawn(threadExecArgv());
    } catch (err) {
      // Some process-wide flags (--expose-gc…) are refused in a thread: start it without any.
      if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
      worker = spawn([]);
    }
    // A thread that fails while idle is dropped; the next read starts a fresh one.
    const slot: Slot = { worker };
    worker.on('error', () => this.#drop(slot));
    worker.on('exit', () => {
      slot.exited = true;
      this.#drop(slot);
    });
    return slot;
  }

  #park(slot: Slot): void {
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      this.#drop(slot);
      void slot.worker.terminate();
    }, IDLE_MS);
    slot.idleTimer.unref();
    this.#idle.push(slot);
  }

  #drop(slot: Slot): void {
    const at = this.#idle.indexOf(slot);
    if (at >= 0) this.#idle.splice(at, 1);
    clearTimeout(slot.idleTimer);
  }

  async #turn(): Promise<void> {
    if (this.#running < this.#size) {
      this.#running++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #leave(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#running--;
  }
}

let shared: LayerThreadPool | undefined;

/** The process's one pool, large enough for `size` layers at once. */
export function layerThreadPool(size: number): LayerThreadPool {
  if (shared === undefined) shared = new LayerThreadPool(size);
  else shared.grow(size);
  return shared;
}
