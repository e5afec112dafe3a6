/**
 * A layer thread: reads the layers the pool (layer-thread-pool.ts) hands it, one at a time, with
 * the extractors of EXTRACTORS the pool names. Inflating runs on libuv's pool as before; hashing,
 * tar parsing and every detector run here, off the thread that downloads the blobs, so the layers
 * of an image are read on all cores.
 */
import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { ImageBudget } from '../inspect/image-budget.js';
import type { FactExtractor } from './extractor.js';
import { configureExtractor } from './extractors/index.js';
import {
  deserializeError,
  serializeError,
  type FromLayerThread,
  type ToLayerThread,
} from './layer-thread-protocol.js';
import { readLayer } from './read-layer.js';

/** Taken bytes are acknowledged in batches of this size (the pool pauses at 4 MiB unread). */
const ACK_EVERY = 512 * 1024;
/** Progress is a display: one message per this many milliseconds is plenty. */
const PROGRESS_EVERY_MS = 100;

interface Job {
  id: number;
  chunks: Buffer[];
  ended: boolean;
  sourceError?: Error;
  wake?: () => void;
  controller: AbortController;
}

const port = parentPort;
if (port === null) throw new Error('layer-thread.ts runs only as a worker thread');
/** Extractors made so far, by id and options: a configured one is made once per thread. */
const made = new Map<string, FactExtractor>();
const post = (message: FromLayerThread): void => port.postMessage(message);
let current: Job | undefined;

async function* blob(job: Job): AsyncGenerator<Buffer> {
  let taken = 0;
  const ack = (): void => {
    if (taken === 0) return;
    post({ type: 'ack', job: job.id, bytes: taken });
    taken = 0;
  };
  for (;;) {
    const chunk = job.chunks.shift();
    if (chunk !== undefined) {
      yield chunk;
      taken += chunk.length;
      // One message per ACK_EVERY bytes, not per 64 KiB download chunk.
      if (taken >= ACK_EVERY) ack();
      continue;
    }
    // Before waiting, say what was taken: the pool may be holding the download until it hears.
    ack();
    if (job.sourceError !== undefined) throw job.sourceError;
    if (job.ended) return;
    await new Promise<void>((resolve) => (job.wake = resolve));
    job.wake = undefined;
  }
}

async function run(message: Extract<ToLayerThread, { type: 'start' }>): Promise<void> {
  const job: Job = { id: message.job, chunks: [], ended: false, controller: new AbortController() };
  current = job;
  let lastProgress = 0;
  try {
    const extractors = message.extractors.map((spec) => {
      const key = spec.options === undefined ? spec.id : `${spec.id} ${JSON.stringify(spec.options)}`;
      let extractor = made.get(key);
      if (extractor === undefined) {
        extractor = configureExtractor(spec.id, spec.options);
        if (extractor === undefined) throw new Error(`no extractor "${spec.id}" in this thread`);
        made.set(key, extractor);
      }
      return extractor;
    });
    const layer = await readLayer(
      Readable.from(blob(job), { objectMode: false, highWaterMark: 1024 * 1024 }),
      { info: message.info, descriptor: message.descriptor },
      extractors,
      {
        limits: message.limits,
        budget: new ImageBudget(message.budget),
        digestCheckedBySource: message.digestCheckedBySource,
        signal: job.controller.signal,
        onProgress: (progress) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = now;
          post({ type: 'progress', job: job.id, progress });
        },
      },
    );
    post({ type: 'done', job: job.id, layer });
  } catch (err) {
    post({ type: 'failed', job: job.id, error: serializeError(err) });
  } finally {
    if (current === job) current = undefined;
  }
}

port.on('message', (message: ToLayerThread) => {
  if (message.type === 'start') {
    void run(message);
    return;
  }
  const job = current;
  if (job === undefined || job.id !== message.job) return;
  switch (message.type) {
    case 'chunk':
      job.chunks.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
      break;
    case 'end':
      job.ended = true;
      break;
    case 'source-error':
      job.sourceError = deserializeError(message.error);
      break;
    case 'abort':
      job.controller.abort(deserializeError(message.reason));
      break;
  }
  job.wake?.();
});
