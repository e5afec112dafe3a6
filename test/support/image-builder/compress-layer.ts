import { gunzipSync, gzipSync } from 'node:zlib';

import { compress, decompress } from 'zstd-napi';

import type { Compression } from './media-types.js';

export function compressLayer(tar: Buffer, compression: Compression): Buffer {
  switch (compression) {
    case 'gzip':
      // Node writes a zero mtime in the gzip header, so output is reproducible.
      return gzipSync(tar);
    case 'zstd':
      return compress(tar);
    case 'none':
      return tar;
  }
}

/** The plain tar back from a layer blob, for writers that need it uncompressed (docker save). */
export function decompressLayer(data: Buffer, mediaType: string): Buffer {
  if (mediaType.endsWith('gzip')) return gunzipSync(data);
  if (mediaType.endsWith('zstd')) return decompress(data);
  return data;
}
