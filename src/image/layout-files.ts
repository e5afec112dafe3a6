import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import { PushgateError } from '../errors.js';
import { TarIndex } from './tar-index.js';

const STREAM_CHUNK = 1024 * 1024;

/**
 * Read access to the files of an image layout or archive, wherever they live: a directory on
 * disk or an uncompressed tar file read by offset. Paths are relative, `/`-separated.
 */
export interface LayoutFiles {
  /** What to name in messages: the directory or the tar file. */
  readonly location: string;
  /** Size of the regular file at `path`, or `undefined` when there is none. */
  size(path: string): Promise<number | undefined>;
  /** The whole file; ARCHIVE_INVALID when missing, BODY_TOO_LARGE above `maxBytes`. */
  read(path: string, maxBytes: number): Promise<Buffer>;
  /** The first `length` bytes (fewer if the file is shorter). */
  head(path: string, length: number): Promise<Buffer>;
  stream(path: string): Readable;
}

function missing(location: string, path: string): PushgateError {
  return new PushgateError('ARCHIVE_INVALID', `${location} has no file ${path}`);
}

function tooLarge(location: string, path: string, size: number, maxBytes: number): PushgateError {
  return new PushgateError('BODY_TOO_LARGE', `${location}: ${path} is ${size} bytes (limit ${maxBytes})`);
}

export class TarLayoutFiles implements LayoutFiles {
  readonly location: string;

  constructor(readonly index: TarIndex) {
    this.location = index.file;
  }

  async size(path: string): Promise<number | undefined> {
    return this.index.get(path)?.size;
  }

  async read(path: string, maxBytes: number): Promise<Buffer> {
    const entry = this.index.get(path);
    if (!entry) throw missing(this.location, path);
    if (entry.size > maxBytes) throw tooLarge(this.location, path, entry.size, maxBytes);
    return this.index.read(entry, maxBytes);
  }

  async head(path: string, length: number): Promise<Buffer> {
    const entry = this.index.get(path);
    if (!entry) throw missing(this.location, path);
    return this.index.readRange(entry, 0, length);
  }

  stream(path: string): Readable {
    const entry = this.index.get(path);
    if (!entry) throw missing(this.location, path);
    return this.index.createReadStream(entry);
  }
}

export class DirLayoutFiles implements LayoutFiles {
  constructor(readonly location: string) {}

  private resolve(path: string): string {
    // Paths come from digests and fixed names; refuse anything that could climb out anyway.
    if (path.split('/').some((part) => part === '..' || part === '')) throw missing(this.location, path);
    return join(this.location, ...path.split('/'));
  }

  async size(path: string): Promise<number | undefined> {
    try {
      const info = await stat(this.resolve(path));
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  }

  async read(path: string, maxBytes: number): Promise<Buffer> {
    const size = await this.size(path);
    if (size === undefined) throw missing(this.location, path);
    if (size > maxBytes) throw tooLarge(this.location, path, size, maxBytes);
    return this.readUpTo(path, maxBytes + 1).then((buf) => {
      if (buf.length > maxBytes) throw tooLarge(this.location, path, buf.length, maxBytes);
      return buf;
    });
  }

  async head(path: string, length: number): Promise<Buffer> {
    return this.readUpTo(path, length);
  }

  private async readUpTo(path: string, length: number): Promise<Buffer> {
    let handle;
    try {
      handle = await open(this.resolve(path), 'r');
    } catch (err) {
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${this.location}: cannot open ${path}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    try {
      const buffer = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    } finally {
      await handle.close();
    }
  }

  stream(path: string): Readable {
    return createReadStream(this.resolve(path), { highWaterMark: STREAM_CHUNK });
  }
}
