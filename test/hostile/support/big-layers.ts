/**
 * Big layer blobs written to disk as they are made, never held whole: the catalogue's bombs and
 * million-entry layers cost the test runner a few MB however much they expand to.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip, gzipSync } from 'node:zlib';

import { END_OF_ARCHIVE, rawHeader } from '../../fixtures/layers/layer-blobs.js';
import { OCI } from './raw-images.js';

export interface LayerFile {
  path: string;
  mediaType: string;
  /** Digest and size of the compressed blob, as a manifest lists them. */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar, as the config's rootfs.diff_ids lists it. */
  diffId: string;
  uncompressedSize: number;
}

function hashTap(hash: Hash, count: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      count.bytes += chunk.length;
      callback(null, chunk);
    },
  });
}

/** Gzips the tar `chunks` into `path`, hashing both sides on the way. */
export async function writeGzipLayerFile(
  path: string,
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
  level = 1,
): Promise<LayerFile> {
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const tar = { bytes: 0 };
  const blob = { bytes: 0 };
  await pipeline(
    Readable.from(chunks),
    hashTap(tarHash, tar),
    createGzip({ level }),
    hashTap(blobHash, blob),
    createWriteStream(path),
  );
  return {
    path,
    mediaType: OCI.gzip,
    digest: `sha256:${blobHash.digest('hex')}`,
    size: blob.bytes,
    diffId: `sha256:${tarHash.digest('hex')}`,
    uncompressedSize: tar.bytes,
  };
}

/**
 * A gzip layer made of members compressed once and repeated (gzip members concatenate): how a
 * bomb of GiBs is written in a second. `parts` are raw tar bytes, each repeated `times`.
 */
export async function writeRepeatedGzipLayerFile(
  path: string,
  parts: Array<{ raw: Buffer; times: number }>,
): Promise<LayerFile> {
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let uncompressedSize = 0;
  let size = 0;
  const out = createWriteStream(path);
  function* members(): Generator<Buffer> {
    for (const part of parts) {
      const member = gzipSync(part.raw, { level: constants.Z_BEST_COMPRESSION });
      for (let i = 0; i < part.times; i++) {
        tarHash.update(part.raw);
        uncompressedSize += part.raw.length;
        blobHash.update(member);
        size += member.length;
        yield member;
      }
    }
  }
  await pipeline(Readable.from(members()), out);
  return {
    path,
    mediaType: OCI.gzip,
    digest: `sha256:${blobHash.digest('hex')}`,
    size,
    diffId: `sha256:${tarHash.digest('hex')}`,
    uncompressedSize,
  };
}

/**
 * `count` empty regular files `DIR/NNNNNNN` (one 512-byte header each), then the end of the
 * archive, in 1 MiB chunks. Headers are stamped from one template: only name and checksum change.
 */
export function* tinyEntriesTar(count: number, dir = 'm'): Generator<Buffer> {
  const template = rawHeader({ name: '', size: 0, mode: 0o644 });
  template.fill(0x20, 148, 156);
  let templateSum = 0;
  for (let i = 0; i < 512; i++) templateSum += template[i];
  const perChunk = 2048;
  const width = String(count).length;
  for (let start = 0; start < count; start += perChunk) {
    const n = Math.min(perChunk, count - start);
    const chunk = Buffer.allocUnsafe(n * 512);
    for (let j = 0; j < n; j++) {
      const block = chunk.subarray(j * 512, (j + 1) * 512);
      template.copy(block);
      const name = `${dir}/${String(start + j).padStart(width, '0')}`;
      const written = block.write(name, 0, 'latin1');
      let sum = templateSum;
      for (let k = 0; k < written; k++) sum += block[k];
      block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    }
    yield chunk;
  }
  yield END_OF_ARCHIVE;
}
