import { isPushgateError, PushgateError } from '../errors.js';
import {
  decodeTarHeader,
  isZeroBlock,
  parseGnuLongName,
  parsePax,
  type PaxRecords,
  type RawTarHeader,
} from '../oci/tar-header.js';

/** A header with PAX and GNU long names applied; `size` is the number of data bytes that follow. */
export type TarEntryHeader = RawTarHeader;

/** What the visitor wants of an entry's data; the visitor may reuse one object for every entry. */
export interface EntryRead {
  /** Leading content bytes to hand to `onEntry` (0: none). */
  capture: number;
  /** Hand every data slice to `onData` as it is parsed. */
  stream: boolean;
}

/** The answer for an entry whose data nobody reads. */
export const READ_NOTHING: Readonly<EntryRead> = Object.freeze({ capture: 0, stream: false });

export interface TarVisitor {
  /** Every decompressed chunk, before it is parsed (byte limits, progress). */
  onBytes(length: number): void;
  /** An entry header is complete; says what to do with its data. */
  onHeader(header: TarEntryHeader): Readonly<EntryRead>;
  /**
   * A slice of the current entry's data, when `onHeader` asked for a stream: a view of the
   * source chunk, valid only during the call. Synchronous: parsing does not wait.
   */
  onData(slice: Buffer): void;
  /**
   * The entry's data has been read; parsing waits for a returned promise. `content` (the captured
   * prefix) is a view of the source chunk when it lies whole in one chunk, else a copy: it stays
   * valid, but keeping it keeps that chunk in memory, so copy what you keep.
   */
  onEntry(content: Buffer | undefined): void | Promise<void>;
  warn(message: string): void;
}

const HEADER = 0;
const META = 1;
const DATA = 2;
const PAD = 3;
const END = 4;

/** Types whose size field carries no data (Go's archive/tar does the same). */
function headerOnly(typeflag: string): boolean {
  return typeflag >= '1' && typeflag <= '6';
}

/**
 * Parses a tar stream chunk by chunk without buffering entry data: headers are decoded in
 * place, PAX and GNU long-name bodies are buffered only after their size passed
 * `maxHeaderBytes`, and only the requested prefix of an entry's content is kept: a view of the
 * chunk when it lies in one (most files: no allocation, no copy), a copy when it spans chunks (an
 * entry asked for as a stream is handed over slice by slice, uncopied). The source must not reuse
 * a chunk it has yielded, as Node streams never do.
 * Reads the source to its end (after the end-of-archive marker too) so upstream digests are checked.
 */
export async function readTar(
  source: AsyncIterable<Buffer>,
  visitor: TarVisitor,
  maxHeaderBytes: number,
  label: string,
): Promise<void> {
  let state = HEADER;
  const headerBuf = Buffer.allocUnsafe(512);
  let headerFill = 0;
  let offset = 0; // archive offset of the start of the current chunk
  let zeroBlocks = 0;

  let metaType = '';
  let metaBuf: Buffer | undefined;
  let metaFill = 0;
  let pax: PaxRecords | undefined;
  let globalPax: PaxRecords | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;

  let current: TarEntryHeader | undefined;
  let remaining = 0;
  let pad = 0;
  /** Bytes of the current entry to capture; allocated (or viewed) when its data starts. */
  let captureLength = 0;
  let capture: Buffer | undefined;
  let captureFill = 0;
  let streaming = false;
  let trailingWarned = false;

  const corrupt = (message: string, at: number, cause?: unknown): PushgateError =>
    new PushgateError('LAYER_CORRUPT', `${label}: invalid tar at offset ${at}: ${message}`, { cause });

  /** Handles one complete header block; returns true when the entry is already complete. */
  const onBlock = (block: Buffer, start: number, at: number): boolean => {
    if (isZeroBlock(block, start)) {
      if (pax !== undefined || longName !== undefined || longLink !== undefined) {
        throw corrupt('extended header not followed by an entry', at);
      }
      zeroBlocks++;
      if (zeroBlocks === 2) state = END;
      return false;
    }
    if (zeroBlocks > 0) {
      // Go's archive/tar (containerd, Docker) refuses this too, so the runtime could not unpack it.
      throw corrupt('a lone zero block followed by another header', at);
    }
    let header: RawTarHeader;
    try {
      header = decodeTarHeader(block, start, 'LAYER_CORRUPT');
    } catch (err) {
      if (isPushgateError(err)) throw corrupt(err.message, at, err);
      throw err;
    }
    const t = header.typeflag;
    if (t === 'x' || t === 'g' || t === 'L' || t === 'K') {
      if (header.size > maxHeaderBytes) {
        throw new PushgateError(
          'LAYER_LIMIT',
          `${label} exceeds maxHeaderBytes (${maxHeaderBytes}): ${t === 'x' || t === 'g' ? 'PAX' : 'GNU long name'} header of ${header.size} bytes at offset ${at}`,
        );
      }
      metaType = t;
      metaBuf = Buffer.allocUnsafe(header.size);
      metaFill = 0;
      pad = (512 - (header.size % 512)) % 512;
      state = header.size > 0 ? META : pad > 0 ? PAD : HEADER;
      if (header.size === 0) applyMeta(at);
      return false;
    }
    if (longName !== undefined) header.name = longName;
    if (longLink !== undefined) header.linkname = longLink;
    if (globalPax !== undefined) applyPax(header, globalPax, false);
    if (pax !== undefined) applyPax(header, pax, true);
    longName = longLink = pax = undefined;
    if (t === '\0' && header.name.endsWith('/')) header.typeflag = '5';
    const dataSize = headerOnly(header.typeflag) ? 0 : header.size;
    if (headerOnly(header.typeflag)) header.size = 0;
    current = header;
    remaining = dataSize;
    pad = (512 - (dataSize % 512)) % 512;
    const read = visitor.onHeader(header);
    captureLength = Math.min(read.capture, dataSize);
    capture = undefined;
    captureFill = 0;
    streaming = read.stream && dataSize > 0;
    if (dataSize === 0) {
      state = HEADER;
      return true;
    }
    state = DATA;
    return false;
  };

  const applyPax = (header: RawTarHeader, records: PaxRecords, local: boolean): void => {
    // A global `path`/`size` would rename or resize every later entry; runtimes ignore them.
    if (local && records.path !== undefined) header.name = records.path;
    if (local && records.linkpath !== undefined) header.linkname = records.linkpath;
    if (local && records.size !== undefined) header.size = records.size;
    if (records.uid !== undefined) header.uid = records.uid;
    if (records.gid !== undefined) header.gid = records.gid;
    if (records.mtime !== undefined) header.mtime = records.mtime;
  };

  const applyMeta = (at: number): void => {
    const buf = metaBuf as Buffer;
    metaBuf = undefined;
    try {
      if (metaType === 'x') pax = parsePax(buf, pax ?? {}, 'LAYER_CORRUPT');
      else if (metaType === 'g') globalPax = parsePax(buf, globalPax ?? {}, 'LAYER_CORRUPT');
      else if (metaType === 'L') longName = parseGnuLongName(buf);
      else longLink = parseGnuLongName(buf);
    } catch (err) {
      if (isPushgateError(err)) throw corrupt(err.message, at, err);
      throw err;
    }
  };

  const finishEntry = (): void | Promise<void> => {
    const content = capture === undefined ? undefined : capture.subarray(0, captureFill);
    capture = undefined;
    captureLength = 0;
    current = undefined;
    streaming = false;
    return visitor.onEntry(content);
  };

  for await (const chunk of source) {
    const length = chunk.length;
    visitor.onBytes(length);
    let pos = 0;
    while (pos < length) {
      if (state === DATA) {
        const n = Math.min(remaining, length - pos);
        if (captureLength > 0 && capture === undefined) {
          // Most files lie whole in one chunk: hand a view of it on instead of a copy.
          if (length - pos >= captureLength) {
            capture = chunk.subarray(pos, pos + captureLength);
            captureFill = captureLength;
          } else {
            capture = Buffer.allocUnsafe(captureLength);
          }
        }
        if (capture !== undefined && captureFill < capture.length) {
          captureFill += chunk.copy(
            capture,
            captureFill,
            pos,
            pos + Math.min(n, capture.length - captureFill),
          );
        }
        if (streaming) visitor.onData(chunk.subarray(pos, pos + n));
        pos += n;
        remaining -= n;
        if (remaining === 0) {
          state = pad > 0 ? PAD : HEADER;
          const pending = finishEntry();
          if (pending !== undefined) await pending;
        }
      } else if (state === HEADER) {
        let complete: boolean;
        const at = offset + pos - headerFill;
        if (headerFill === 0 && length - pos >= 512) {
          pos += 512;
          complete = onBlock(chunk, pos - 512, at);
        } else {
          const n = Math.min(512 - headerFill, length - pos);
          chunk.copy(headerBuf, headerFill, pos, pos + n);
          headerFill += n;
          pos += n;
          if (headerFill < 512) continue;
          headerFill = 0;
          complete = onBlock(headerBuf, 0, at);
        }
        if (complete) {
          const pending = finishEntry();
          if (pending !== undefined) await pending;
        }
      } else if (state === PAD) {
        const n = Math.min(pad, length - pos);
        pos += n;
        pad -= n;
        if (pad === 0) state = HEADER;
      } else if (state === META) {
        const buf = metaBuf as Buffer;
        const n = Math.min(buf.length - metaFill, length - pos);
        chunk.copy(buf, metaFill, pos, pos + n);
        metaFill += n;
        pos += n;
        if (metaFill === buf.length) {
          applyMeta(offset + pos);
          state = pad > 0 ? PAD : HEADER;
        }
      } else {
        // END: runtimes stop reading here; bytes after the marker are normally zero padding.
        if (!trailingWarned && !allZero(chunk, pos, length)) {
          trailingWarned = true;
          visitor.warn(
            `non-zero data after the tar end-of-archive marker (offset ${offset + pos}) is ignored`,
          );
        }
        pos = length;
      }
    }
    offset += length;
  }

  if (state === END) return;
  if (
    state === HEADER &&
    headerFill === 0 &&
    pax === undefined &&
    longName === undefined &&
    longLink === undefined
  ) {
    if (offset > 0 && zeroBlocks === 0) visitor.warn('tar has no end-of-archive marker');
    return;
  }
  const name = current === undefined ? '' : ` in entry ${JSON.stringify(current.name.slice(0, 200))}`;
  throw corrupt(`unexpected end of data${name}`, offset);
}

function allZero(chunk: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (chunk[i] !== 0) return false;
  return true;
}
