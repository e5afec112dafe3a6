import { pipeline, Readable, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';

import zstd from 'zstd-napi/binding.js';

import { isPushgateError, PushgateError } from '../errors.js';
import type { LayerCompression } from '../oci/media-types.js';

/**
 * zlib's default 16 KiB output chunks halve gunzip throughput (research/oci.md §4.5); 1 MiB also
 * halves the main-thread round trips per inflated byte (measured: 2.4 s vs 2.9 s for 600 MB).
 */
const GZIP_CHUNK = 1024 * 1024;
const ZSTD_CHUNK = 256 * 1024;

export interface DecompressOptions {
  declared: LayerCompression;
  zstdWindowLogMax: number;
  /** `layer sha256:…`, for messages. */
  label: string;
  /** Called once the format is known, with a warning when it differs from the media type. */
  onFormat?: (actual: LayerCompression, warning?: string) => void;
}

/** The format the first bytes announce; `none` when they carry no compression magic. */
export function sniffCompression(head: Buffer): LayerCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return 'zstd';
  }
  return 'none';
}

/**
 * A pipeline stage turning the raw blob into tar bytes. The format comes from the magic bytes,
 * like containerd does, so a gzip layer labelled `.tar` (or the reverse) still reads.
 * Decompressor errors become LAYER_CORRUPT; errors from upstream pass through unchanged.
 */
export function decompressStage(
  options: DecompressOptions,
): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer, void, undefined> {
  return async function* decompress(source) {
    const it = source[Symbol.asyncIterator]();
    let head: Buffer = Buffer.alloc(0);
    let ended = false;
    while (head.length < 4) {
      const r = await it.next();
      if (r.done === true) {
        ended = true;
        break;
      }
      head = head.length === 0 ? r.value : Buffer.concat([head, r.value]);
    }
    const actual = sniffCompression(head);
    options.onFormat?.(
      actual,
      actual === options.declared
        ? undefined
        : `media type says ${options.declared} but the content is ${actual === 'none' ? 'not compressed' : actual}`,
    );
    const rest = async function* (): AsyncGenerator<Buffer, void, undefined> {
      if (head.length > 0) yield head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done === true) return;
        yield r.value;
      }
    };
    if (actual === 'none') {
      yield* rest();
    } else if (actual === 'gzip') {
      yield* gunzip(rest(), options.label);
    } else {
      yield* unzstd(rest(), options.zstdWindowLogMax, options.label);
    }
  };
}

function corrupt(label: string, format: string, err: unknown): PushgateError {
  const message = err instanceof Error ? err.message : String(err);
  return new PushgateError('LAYER_CORRUPT', `${label}: cannot decompress ${format}: ${message}`, {
    cause: err,
  });
}

async function* gunzip(
  input: AsyncGenerator<Buffer, void, undefined>,
  label: string,
): AsyncGenerator<Buffer> {
  // A larger readable buffer lets inflate run ahead on the thread pool while JS parses tar.
  // zlib passes stream options through to its Transform; @types/node does not say so.
  const zlibOptions: ZlibOptions & TransformOptions = {
    chunkSize: GZIP_CHUNK,
    readableHighWaterMark: 4 * GZIP_CHUNK,
  };
  const inflater = createGunzip(zlibOptions);
  // Upstream errors reach the inflater through the inner pipeline and surface in the loop below.
  pipeline(Readable.from(input, { objectMode: false, highWaterMark: GZIP_CHUNK }), inflater, () => undefined);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (err) {
    throw isPushgateError(err) ? err : corrupt(label, 'gzip', err);
  } finally {
    inflater.destroy();
  }
}

async function* unzstd(
  input: AsyncGenerator<Buffer, void, undefined>,
  windowLogMax: number,
  label: string,
): AsyncGenerator<Buffer> {
  const dctx = new zstd.DCtx();
  try {
    dctx.setParameter(zstd.DParameter.windowLogMax, windowLogMax);
  } catch (err) {
    throw new PushgateError('INTERNAL', `${label}: invalid zstdWindowLogMax ${windowLogMax}`, { cause: err });
  }
  let inFrame = false;
  for await (const chunk of input) {
    let src = chunk;
    // Each output block is yielded before the next is produced: a zstd bomb can never fill memory
    // faster than the tar reader consumes it (zstd-napi's DecompressStream pushes without waiting).
    for (;;) {
      // A fresh buffer per block, never reused: readTar hands on views of the chunks it is given
      // (a captured file's content) that may be read after later chunks have arrived.
      const out = Buffer.allocUnsafe(ZSTD_CHUNK);
      let ret: number;
      let produced: number;
      let consumed: number;
      try {
        [ret, produced, consumed] = dctx.decompressStream(out, src);
      } catch (err) {
        if (err instanceof Error && /too much memory/i.test(err.message)) {
          throw new PushgateError(
            'LAYER_LIMIT',
            `${label} exceeds zstdWindowLogMax (${windowLogMax}): the zstd frame needs a larger window`,
            { cause: err },
          );
        }
        throw corrupt(label, 'zstd', err);
      }
      src = src.subarray(consumed);
      if (produced > 0) yield out.subarray(0, produced);
      if (src.length === 0 && (produced < out.length || ret === 0)) {
        inFrame = ret !== 0;
        break;
      }
    }
  }
  if (inFrame) throw corrupt(label, 'zstd', new Error('stream ends in the middle of a frame'));
}
