import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';

import { isPushgateError, PushgateError } from '../errors.js';
import {
  checksumMatches,
  decodeTarHeader,
  isZeroBlock,
  parseGnuLongName,
  parsePax,
  type RawTarHeader,
} from '../oci/tar-header.js';

/** One regular file inside a tar archive: where its body starts and how long it is. */
export interface TarEntry {
  name: string;
  /** Byte offset of the entry's body in the archive file. */
  offset: number;
  size: number;
}

export interface TarIndexLimits {
  /** Entries of any type; an image archive or layout holds a few per blob. */
  maxEntries: number;
  /** PAX extended headers and GNU long names are read into memory; cap them. */
  maxMetaBytes: number;
  maxNameBytes: number;
}

export const DEFAULT_TAR_INDEX_LIMITS: TarIndexLimits = {
  maxEntries: 200_000,
  maxMetaBytes: 1024 * 1024,
  maxNameBytes: 4096,
};

const BLOCK = 512;
const MAX_LINK_HOPS = 16;
const STREAM_CHUNK = 1024 * 1024;

/** `./a/b`, `/a/b`, `a//b/` → `a/b`; the key every lookup uses. */
export function normaliseTarName(name: string): string {
  const normalised = posix.normalize(`/${name}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return normalised === '.' ? '' : normalised;
}

function invalidTar(message: string): PushgateError {
  return new PushgateError('ARCHIVE_INVALID', message);
}

interface Link {
  target: string;
  symbolic: boolean;
}

/**
 * Random access into an uncompressed tar file: one pass over the headers (bodies are seeked over,
 * never read, except PAX/GNU meta entries), then any regular file can be read or streamed by
 * offset. Symlinks and hard links between entries are followed inside the archive only.
 */
export class TarIndex {
  private constructor(
    readonly file: string,
    private readonly entries: Map<string, TarEntry>,
    private readonly links: Map<string, Link>,
  ) {}

  static async open(file: string, limits: Partial<TarIndexLimits> = {}): Promise<TarIndex> {
    const lim = { ...DEFAULT_TAR_INDEX_LIMITS, ...limits };
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      throw new PushgateError('ARCHIVE_INVALID', `cannot open ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      const { entries, links } = await scan(handle, file, lim);
      return new TarIndex(file, entries, links);
    } finally {
      await handle.close();
    }
  }

  /** The regular file at `name` (symlinks and hard links resolved), or `undefined`. */
  get(name: string): TarEntry | undefined {
    let key = normaliseTarName(name);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const entry = this.entries.get(key);
      if (entry) return entry;
      const link = this.links.get(key);
      if (!link) return undefined;
      key = link.symbolic
        ? normaliseTarName(
            link.target.startsWith('/') ? link.target : posix.join(posix.dirname(key), link.target),
          )
        : normaliseTarName(link.target);
    }
    return undefined;
  }

  /** Names of regular files and links, in no particular order. */
  names(): string[] {
    return [...this.entries.keys(), ...this.links.keys()];
  }

  /** Reads a whole entry into memory; refuses entries larger than `maxBytes`. */
  async read(entry: TarEntry, maxBytes: number): Promise<Buffer> {
    if (entry.size > maxBytes) {
      throw new PushgateError(
        'BODY_TOO_LARGE',
        `${this.file}: ${entry.name} is ${entry.size} bytes (limit ${maxBytes})`,
      );
    }
    return this.readRange(entry, 0, entry.size);
  }

  /** Up to `length` bytes of `entry` from `start` (fewer when the entry is shorter). */
  async readRange(entry: TarEntry, start: number, length: number): Promise<Buffer> {
    const count = Math.max(0, Math.min(length, entry.size - start));
    const buffer = Buffer.alloc(count);
    if (count === 0) return buffer;
    const handle = await open(this.file, 'r');
    try {
      let done = 0;
      while (done < count) {
        const { bytesRead } = await handle.read(buffer, done, count - done, entry.offset + start + done);
        if (bytesRead === 0) throw invalidTar(`${this.file}: ${entry.name} is truncated (file shrank?)`);
        done += bytesRead;
      }
    } finally {
      await handle.close();
    }
    return buffer;
  }

  /** Streams the entry's body straight from the archive file, 1 MiB at a time. */
  createReadStream(entry: TarEntry): Readable {
    if (entry.size === 0) return Readable.from([]);
    return createReadStream(this.file, {
      start: entry.offset,
      end: entry.offset + entry.size - 1,
      highWaterMark: STREAM_CHUNK,
    });
  }
}

async function scan(
  handle: FileHandle,
  file: string,
  lim: TarIndexLimits,
): Promise<{ entries: Map<string, TarEntry>; links: Map<string, Link> }> {
  const { size: fileSize } = await handle.stat();
  const entries = new Map<string, TarEntry>();
  const links = new Map<string, Link>();
  const block = Buffer.alloc(BLOCK);
  let pos = 0;
  let count = 0;
  // Pending overrides from PAX ('x') or GNU ('L'/'K') meta entries, applied to the next header.
  let paxPath: string | undefined;
  let paxLink: string | undefined;
  let paxSize: number | undefined;

  const readAt = async (buffer: Buffer, position: number, length: number): Promise<void> => {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done < length)
      throw invalidTar(`${file} is truncated at byte ${position + done} (expected ${length} more bytes)`);
  };

  if (fileSize >= 2) {
    await readAt(block, 0, 2);
    if (block[0] === 0x1f && block[1] === 0x8b) {
      throw invalidTar(`${file} is gzip-compressed; decompress it first (gunzip)`);
    }
  }

  for (;;) {
    if (pos + BLOCK > fileSize) {
      // A tar that ends without its two zero blocks is still readable if it ends on a boundary.
      if (pos === fileSize && count > 0) break;
      throw invalidTar(
        count === 0 && fileSize === 0
          ? `${file} is empty, not a tar archive`
          : `${file} is truncated: a tar header at byte ${pos} runs past the end of the file (${fileSize} bytes)`,
      );
    }
    await readAt(block, pos, BLOCK);
    if (isZeroBlock(block, 0)) break;
    if (count === 0 && !checksumMatches(block, 0)) {
      throw invalidTar(`${file} is not a tar archive (no valid tar header at byte 0)`);
    }
    let header: RawTarHeader;
    try {
      header = decodeTarHeader(block, 0, 'ARCHIVE_INVALID');
    } catch (err) {
      if (isPushgateError(err))
        throw invalidTar(`${file}: corrupt tar header at byte ${pos} (${err.message})`);
      throw err;
    }
    if (++count > lim.maxEntries) throw invalidTar(`${file} has more than ${lim.maxEntries} tar entries`);

    // Old tars write NUL for a regular file.
    const type = header.typeflag === '\0' ? '0' : header.typeflag;
    const size = paxSize ?? header.size;
    const bodyStart = pos + BLOCK;
    const bodyEnd = bodyStart + size;
    const where = `${file}: tar entry at byte ${pos}`;
    if (bodyEnd > fileSize) {
      throw invalidTar(
        `${file} is truncated: entry "${header.name.slice(0, 100)}" at byte ${pos} declares ${size} bytes but the file ends at byte ${fileSize}`,
      );
    }

    if (type === 'x' || type === 'L' || type === 'K' || type === 'g') {
      if (size > lim.maxMetaBytes)
        throw invalidTar(`${where}: ${size}-byte meta header (limit ${lim.maxMetaBytes})`);
      if (type !== 'g') {
        const body = Buffer.alloc(size);
        await readAt(body, bodyStart, size);
        if (type === 'x') {
          let pax;
          try {
            pax = parsePax(body, {}, 'ARCHIVE_INVALID');
          } catch (err) {
            if (isPushgateError(err)) throw invalidTar(`${where}: ${err.message}`);
            throw err;
          }
          paxPath = pax.path ?? paxPath;
          paxLink = pax.linkpath ?? paxLink;
          paxSize = pax.size ?? paxSize;
        } else {
          const text = parseGnuLongName(body);
          if (type === 'L') paxPath = text;
          else paxLink = text;
        }
      }
    } else {
      const name = paxPath ?? header.name;
      if (Buffer.byteLength(name) > lim.maxNameBytes)
        throw invalidTar(`${where}: name longer than ${lim.maxNameBytes} bytes`);
      const key = normaliseTarName(name);
      if (type === '0' || type === '7') {
        links.delete(key);
        entries.set(key, { name: key, offset: bodyStart, size });
      } else if (type === '1' || type === '2') {
        const target = paxLink ?? header.linkname;
        entries.delete(key);
        links.set(key, { target, symbolic: type === '2' });
      }
      paxPath = undefined;
      paxLink = undefined;
      paxSize = undefined;
    }
    pos = bodyStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return { entries, links };
}
