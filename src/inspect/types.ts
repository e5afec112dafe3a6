/**
 * What a consumer wants of an entry: nothing, its header only, its header plus up to `content`
 * bytes of its content (regular files only), or every byte of its content as it streams by
 * (`onChunk`, regular files only; no per-file limit and no copy).
 */
export type Want = false | 'header' | { content: number } | { stream: true };

/** What the layer walker reports for each tar entry, after path normalisation. */
export type EntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'char-device'
  | 'block-device'
  | 'fifo'
  /** `.wh.NAME`: `path` is the deleted NAME (the marker itself is not a file of the image). */
  | 'whiteout'
  /** `DIR/.wh..wh..opq`: `path` is DIR, whose lower-layer children are hidden. */
  | 'opaque'
  | 'other';

export interface LayerEntry {
  /** Normalised: no leading `/` or `./`, no trailing `/`, `..` components rejected by the walker. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Content bytes (0 for everything but regular files). */
  size: number;
  /** Target of a symlink (as written) or hard link (normalised path in the same layer). */
  linkname?: string;
  mtime?: number;
}

/** Where an entry came from; passed to extractors and carried as evidence. */
export interface LayerInfo {
  index: number;
  /** Verified digest of the blob as stored. */
  digest: string;
  diffId?: string;
  mediaType: string;
  /** `created_by` of the history entry that produced this layer. */
  createdBy?: string;
}

/** Limits applied while walking a layer. Every limit hit is a `LAYER_LIMIT` error, never a crash. */
export interface WalkLimits {
  maxLayerUncompressedBytes: number;
  maxImageUncompressedBytes: number;
  /**
   * Sum of the layer blobs' declared (compressed) sizes; checked before any layer is read, and
   * the walker never reads more of a blob than its declared size.
   */
  maxImageCompressedBytes: number;
  maxEntriesPerLayer: number;
  maxPathBytes: number;
  /** PAX/GNU long-name meta entries. */
  maxHeaderBytes: number;
  /**
   * Content bytes handed to extractors per file as a prefix (`{ content }`); the rest of the file
   * is drained unread. Streams (`{ stream: true }`) are not cut.
   */
  maxContentBytesPerFile: number;
  /** zstd window (log2 bytes). */
  zstdWindowLogMax: number;
}

export const DEFAULT_WALK_LIMITS: Readonly<WalkLimits> = Object.freeze({
  maxLayerUncompressedBytes: 16 * 1024 ** 3,
  maxImageUncompressedBytes: 64 * 1024 ** 3,
  maxImageCompressedBytes: 64 * 1024 ** 3,
  maxEntriesPerLayer: 2_000_000,
  maxPathBytes: 4096,
  maxHeaderBytes: 1024 * 1024,
  maxContentBytesPerFile: 4 * 1024 * 1024,
  zstdWindowLogMax: 27,
});

/** One party interested in a layer's entries (an extractor's per-layer collector, the file table). */
export interface EntryConsumer {
  readonly id: string;
  wants(entry: LayerEntry): Want;
  /**
   * For `{ stream: true }`: each data slice of the file in order. The slice is a view of the
   * walker's buffer, valid only during the call (copy what you keep). Synchronous: the tar parser
   * does not wait. `onEntry(entry, undefined)` follows the last slice.
   */
  onChunk?(entry: LayerEntry, chunk: Buffer): void;
  /**
   * The entry, with the content prefix it asked for (`{ content }`). The content is often a view
   * of a larger decompressed chunk: parse it, or copy what you keep, so the chunk can be freed.
   */
  onEntry(entry: LayerEntry, content?: Buffer): void | Promise<void>;
}

/**
 * The compact record of every entry a layer holds, kept (and cached) so the merged filesystem can
 * be computed without reading the layer again. Parallel arrays keep it small for large layers.
 */
export interface LayerTable {
  paths: string[];
  /** One character per entry: f file, d directory, l symlink, h hard link, w whiteout, o opaque, c/b/p devices and fifos, x other. */
  kinds: string;
  sizes: number[];
  modes: number[];
  /** Link targets by entry index (symlinks and hard links only). */
  links: Record<number, string>;
}

export interface LayerWalkResult {
  compressedSize: number;
  uncompressedSize: number;
  entryCount: number;
  table: LayerTable;
  /** Notable but non-fatal oddities: duplicate paths, hard links to missing targets, unsafe names. */
  warnings: string[];
}
