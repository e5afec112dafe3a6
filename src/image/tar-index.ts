import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';

import { PushgateError } from '../errors.js';

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

function readString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('utf8');
}

/** Octal (space/NUL padded) or GNU base-256 numeric field; `undefined` when malformed or unsafe. */
function readNumber(block: Buffer, start: number, length: number): number | undefined {
  const field = block.subarray(start, start + length);
  if (field[0] & 0x80) {
    if (field[0] === 0xff) return undefined; // negative base-256
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + field[i];
      if (value > Number.MAX_SAFE_INTEGER) return undefined;
    }
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/g, '')
    .replace(/^[ ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

function checksumMatches(block: Buffer): boolean {
  const stored = readNumber(block, 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some old tars summed signed bytes; accept either, as GNU tar does.
  return stored === unsigned || stored === signed;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** PAX records: `<len> <key>=<value>\n`. Only the keys an image archive needs are kept. */
function parsePax(body: Buffer, where: string): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) break;
    const length = Number(body.subarray(pos, space).toString('latin1'));
    if (!Number.isSafeInteger(length) || length <= space - pos || pos + length > body.length) {
      throw invalidTar(`${where}: malformed PAX header record`);
    }
    const record = body.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === 'path') out.path = value;
      else if (key === 'linkpath') out.linkpath = value;
      else if (key === 'size') {
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
          throw invalidTar(`${where}: PAX size "${value.slice(0, 40)}" is not a size`);
        }
        out.size = Number(value);
      }
    }
    pos += length;
  }
  return out;
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
    if (isZeroBlock(block)) break;
    if (!checksumMatches(block)) {
      throw invalidTar(
        count === 0
          ? `${file} is not a tar archive (no valid tar header at byte 0)`
          : `${file}: corrupt tar header at byte ${pos} (checksum mismatch)`,
      );
    }
    if (++count > lim.maxEntries) throw invalidTar(`${file} has more than ${lim.maxEntries} tar entries`);

    const type = String.fromCharCode(block[156] || 0x30);
    const headerSize = readNumber(block, 124, 12);
    if (headerSize === undefined)
      throw invalidTar(`${file}: tar header at byte ${pos} has an invalid size field`);
    const size = paxSize ?? headerSize;
    const bodyStart = pos + BLOCK;
    const bodyEnd = bodyStart + size;
    const where = `${file}: tar entry at byte ${pos}`;
    if (bodyEnd > fileSize) {
      throw invalidTar(
        `${file} is truncated: entry "${readString(block, 0, 100)}" at byte ${pos} declares ${size} bytes but the file ends at byte ${fileSize}`,
      );
    }

    if (type === 'x' || type === 'L' || type === 'K' || type === 'g') {
      if (size > lim.maxMetaBytes)
        throw invalidTar(`${where}: ${size}-byte meta header (limit ${lim.maxMetaBytes})`);
      if (type !== 'g') {
        const body = Buffer.alloc(size);
        await readAt(body, bodyStart, size);
        if (type === 'x') {
          const pax = parsePax(body, where);
          paxPath = pax.path ?? paxPath;
          paxLink = pax.linkpath ?? paxLink;
          paxSize = pax.size ?? paxSize;
        } else {
          const nul = body.indexOf(0);
          const text = body.subarray(0, nul === -1 ? body.length : nul).toString('utf8');
          if (type === 'L') paxPath = text;
          else paxLink = text;
        }
      }
    } else {
      let name = paxPath;
      if (name === undefined) {
        name = readString(block, 0, 100);
        // POSIX ustar ("ustar\0") splits long names into prefix + name; GNU ("ustar ") does not.
        if (block.toString('latin1', 257, 263) === 'ustar\0') {
          const prefix = readString(block, 345, 155);
          if (prefix) name = `${prefix}/${name}`;
        }
      }
      if (Buffer.byteLength(name) > lim.maxNameBytes)
        throw invalidTar(`${where}: name longer than ${lim.maxNameBytes} bytes`);
      const key = normaliseTarName(name);
      if (type === '0' || type === '7') {
        links.delete(key);
        entries.set(key, { name: key, offset: bodyStart, size });
      } else if (type === '1' || type === '2') {
        const target = paxLink ?? readString(block, 157, 100);
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
