import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { isPushgateError, PushgateError, readingFault } from '../errors.js';
import { layerCompression } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { DigestCheckStream } from '../oci/digest-check-stream.js';
import { decompressStage } from './decompress.js';
import { DiffIdCheck } from './diff-id-check.js';
import { EntryDispatcher } from './entry-dispatcher.js';
import { ImageBudget } from './image-budget.js';
import { LayerTableBuilder } from './layer-table-builder.js';
import { normalizeLayerPath, parentPath, quoteName } from './normalize-path.js';
import { READ_NOTHING, readTar, type EntryRead, type TarEntryHeader, type TarVisitor } from './tar-reader.js';
import {
  DEFAULT_WALK_LIMITS,
  type EntryConsumer,
  type EntryType,
  type LayerEntry,
  type LayerInfo,
  type LayerWalkResult,
  type WalkLimits,
} from './types.js';

export interface WalkProgress {
  compressedBytes: number;
  uncompressedBytes: number;
  entries: number;
}

export interface WalkLayerOptions {
  limits?: Partial<WalkLimits>;
  /**
   * Shared by all layers of one image and decremented as bytes are decompressed; a layer that
   * fails gives its bytes back so a retry is not charged twice. Default: a fresh budget of
   * `limits.maxImageUncompressedBytes`.
   */
  imageBudget?: ImageBudget;
  onProgress?: (progress: WalkProgress) => void;
  signal?: AbortSignal;
  /**
   * The input fails unless its bytes have the descriptor's digest and size (a layer thread's copy
   * of a registry blob stream that checks them): the walker then counts the bytes but does not
   * hash them a second time. Found by itself when the input is such a DigestCheckStream.
   */
  digestCheckedBySource?: boolean;
}

/** Whether `input` itself fails unless its content has `descriptor`'s digest and size. */
export function sourceChecksDigest(input: Readable, descriptor: Descriptor): boolean {
  return input instanceof DigestCheckStream && input.checks(descriptor);
}

/** aufs bookkeeping (`.wh..wh.plnk/…`, `.wh..wh.aufs`): any component but a final opaque marker. */
const AUFS_META = /(^|\/)\.wh\.\.wh\.(?!\.opq$)/;

/** How a user raises a limit that has a configuration key, for the error message. */
const RAISE: Partial<Record<keyof WalkLimits, string>> = {
  maxImageUncompressedBytes: 'raise limits.maxImageBytes (pushgate scan: --max-image-bytes)',
};

/** Warnings kept per layer; a hostile layer could otherwise produce millions. */
const MAX_WARNINGS = 100;

function entryTypeOf(typeflag: string): EntryType {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char-device';
    case '4':
      return 'block-device';
    case '5':
    case 'D':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

/**
 * Reads one layer blob in a single pass: verifies its size and digest, decompresses it (gzip,
 * zstd or none, sniffed from the magic bytes), verifies the uncompressed bytes against the layer's
 * diff_id when the config lists one, parses the tar, maps whiteouts, enforces the walk
 * limits, hands entries (and content prefixes or streams) to the consumers, and records every entry in a
 * LayerTable. Resolves only when the whole blob was read and its digests verified; any failure
 * (source, digest, decompression, tar, limit, consumer) rejects once and destroys the streams.
 */
export async function walkLayer(
  input: Readable,
  layer: { info: LayerInfo; descriptor: Descriptor },
  consumers: EntryConsumer[],
  options: WalkLayerOptions = {},
): Promise<LayerWalkResult> {
  const { descriptor } = layer;
  const label = `layer ${descriptor.digest}`;
  const limits: WalkLimits = { ...DEFAULT_WALK_LIMITS, ...options.limits };

  const declared = layerCompression(descriptor.mediaType);
  let tap: DigestCheckStream;
  let diffIdCheck: DiffIdCheck | undefined;
  try {
    if (declared === undefined) {
      throw new PushgateError(
        'LAYER_UNSUPPORTED',
        `${label}: media type ${JSON.stringify(descriptor.mediaType)} is not a filesystem layer`,
      );
    }
    if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
      throw new PushgateError(
        'MANIFEST_INVALID',
        `${label}: descriptor size ${String(descriptor.size)} is invalid`,
      );
    }
    tap = new DigestCheckStream({
      digest: descriptor.digest,
      size: descriptor.size,
      what: label,
      highWaterMark: 1024 * 1024,
      hash: !(options.digestCheckedBySource === true || sourceChecksDigest(input, descriptor)),
    });
    diffIdCheck =
      layer.info.diffId === undefined
        ? undefined
        : new DiffIdCheck(layer.info.diffId, layer.info.index, label);
  } catch (err) {
    input.destroy();
    throw err;
  }

  const budget = options.imageBudget ?? new ImageBudget(limits.maxImageUncompressedBytes);
  const warnings: string[] = [];
  let suppressedWarnings = 0;
  const warn = (message: string): void => {
    if (warnings.length < MAX_WARNINGS) warnings.push(message);
    else suppressedWarnings++;
  };

  const table = new LayerTableBuilder();
  /** Path → table row of the last real (non-whiteout) entry at that path. */
  const seen = new Map<string, number>();
  const dispatcher = new EntryDispatcher(consumers, label);
  const onProgress = options.onProgress;

  let uncompressed = 0;
  let entries = 0;
  let current: LayerEntry | undefined;
  /** Reused for every entry someone reads: what onHeader tells the tar parser. */
  const read: EntryRead = { capture: 0, stream: false };

  const limitError = (name: keyof WalkLimits, detail?: string): PushgateError =>
    new PushgateError(
      'LAYER_LIMIT',
      `${label} exceeds ${name} (${limits[name]})${detail === undefined ? '' : `: ${detail}`}${RAISE[name] === undefined ? '' : `; ${RAISE[name]}`}`,
      { details: { limit: name, value: limits[name] } },
    );

  const onHeader = (header: TarEntryHeader): Readonly<EntryRead> => {
    current = undefined;
    entries++;
    if (entries > limits.maxEntriesPerLayer) throw limitError('maxEntriesPerLayer');
    const raw = header.name;
    if (
      raw.length > limits.maxPathBytes ||
      (raw.length * 3 > limits.maxPathBytes && Buffer.byteLength(raw) > limits.maxPathBytes)
    ) {
      throw limitError('maxPathBytes', `entry name of ${Buffer.byteLength(raw)} bytes`);
    }
    let path = normalizeLayerPath(raw);
    if (path === undefined) {
      throw new PushgateError(
        'LAYER_CORRUPT',
        `${label}: unsafe entry name ${quoteName(raw)} (a ".." component or a NUL byte)`,
      );
    }
    if (header.size > limits.maxLayerUncompressedBytes) {
      throw limitError('maxLayerUncompressedBytes', `entry ${quoteName(raw)} declares ${header.size} bytes`);
    }
    let type = entryTypeOf(header.typeflag);

    if (path.includes('.wh..wh.') && AUFS_META.test(path)) {
      warn(`aufs metadata entry ${quoteName(raw)} ignored`);
      return READ_NOTHING;
    }
    const slash = path.lastIndexOf('/');
    if (path.startsWith('.wh.', slash + 1)) {
      const base = path.slice(slash + 1);
      const dir = parentPath(path);
      if (base === '.wh..wh..opq') {
        type = 'opaque';
        path = dir;
      } else if (base.startsWith('.wh..wh.')) {
        warn(`aufs metadata entry ${quoteName(raw)} ignored`);
        return READ_NOTHING;
      } else {
        const name = base.slice(4);
        if (name === '' || name === '.' || name === '..') {
          warn(`invalid whiteout ${quoteName(raw)} ignored`);
          return READ_NOTHING;
        }
        type = 'whiteout';
        path = dir === '' ? name : `${dir}/${name}`;
      }
    }

    let linkname: string | undefined;
    if (type === 'hardlink') {
      linkname = normalizeLayerPath(header.linkname);
      if (linkname === undefined || linkname === '') {
        throw new PushgateError(
          'LAYER_CORRUPT',
          `${label}: hard link ${quoteName(raw)} has an unsafe target ${quoteName(header.linkname)}`,
        );
      }
      if (!seen.has(linkname)) {
        warn(
          `hard link ${quoteName(path)} points to ${quoteName(linkname)}, which is not earlier in the layer`,
        );
      }
    } else if (type === 'symlink') {
      linkname = header.linkname;
      if (linkname.includes('\0')) {
        throw new PushgateError(
          'LAYER_CORRUPT',
          `${label}: symlink ${quoteName(raw)} has a target with a NUL byte`,
        );
      }
      if (Buffer.byteLength(linkname) > limits.maxPathBytes) {
        throw limitError('maxPathBytes', `symlink target of ${quoteName(path)}`);
      }
    }

    const size = type === 'file' ? header.size : 0;
    const row = table.add(path, type, size, header.mode, linkname);
    if (type !== 'whiteout' && type !== 'opaque') {
      if (seen.has(path)) warn(`duplicate entry ${quoteName(path)} (the later one wins)`);
      seen.set(path, row);
    }

    const entry: LayerEntry = {
      path,
      type,
      mode: header.mode,
      uid: header.uid,
      gid: header.gid,
      size,
      mtime: header.mtime,
    };
    if (linkname !== undefined) entry.linkname = linkname;

    const want = dispatcher.ask(entry);
    if (want < 0) return READ_NOTHING;
    current = entry;
    // Streams have no per-file limit: they copy nothing, and the layer limits still hold.
    read.capture = type === 'file' && want > 0 ? Math.min(want, limits.maxContentBytesPerFile) : 0;
    read.stream = dispatcher.streams;
    return read;
  };

  const visitor: TarVisitor = {
    onBytes(length) {
      uncompressed += length;
      const remaining = budget.take(length);
      if (uncompressed > limits.maxLayerUncompressedBytes) throw limitError('maxLayerUncompressedBytes');
      if (remaining < 0) {
        throw limitError('maxImageUncompressedBytes', 'with the layers read before it');
      }
      if (onProgress !== undefined)
        onProgress({ compressedBytes: tap.bytes, uncompressedBytes: uncompressed, entries });
    },
    onHeader,
    onData(slice) {
      if (current !== undefined) dispatcher.chunk(current, slice);
    },
    onEntry(content) {
      const entry = current;
      if (entry === undefined) return undefined;
      current = undefined;
      return dispatcher.deliver(entry, content);
    },
    warn,
  };

  const decompress = decompressStage({
    declared,
    zstdWindowLogMax: limits.zstdWindowLogMax,
    label,
    onFormat: (actual, warning) => {
      if (warning !== undefined) warn(warning);
      // Plain tar: the blob is the uncompressed layer, and the DigestCheckStream hashes those very bytes.
      if (actual === 'none' && layer.info.diffId === descriptor.digest) diffIdCheck?.skip();
    },
  });

  try {
    await pipeline(
      input,
      tap,
      decompress,
      (source: AsyncIterable<Buffer>) =>
        readTar(diffIdCheck?.stage(source) ?? source, visitor, limits.maxHeaderBytes, label),
      options.signal === undefined ? {} : { signal: options.signal },
    );
  } catch (err) {
    budget.giveBack(uncompressed);
    if (isPushgateError(err)) throw err;
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw readingFault(`${label}: reading the blob`, err);
  }
  try {
    // Only after the blob's own digest held: a corrupt download is reported as that, not as this.
    diffIdCheck?.verify();
  } catch (err) {
    budget.giveBack(uncompressed);
    throw err;
  }

  if (suppressedWarnings > 0) warnings.push(`${suppressedWarnings} more warnings not shown`);
  onProgress?.({ compressedBytes: tap.bytes, uncompressedBytes: uncompressed, entries });
  return {
    compressedSize: tap.bytes,
    uncompressedSize: uncompressed,
    entryCount: entries,
    table: table.build(),
    warnings,
  };
}
