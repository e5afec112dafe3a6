import { Utf16Decoder, utf16Bom } from './decode-utf16.js';
import { DigestAccumulator, type FileDigests } from './file-digests.js';
import { scanBinary } from './scan-binary.js';
import { fileKindOf, type FileKind, type FileSecret } from './scan-file.js';
import { scanText, type TextMatch } from './scan-text.js';
import { SNIFF_BYTES } from './sniff-binary.js';

/** Bytes scanned at once. */
export const STREAM_WINDOW = 1024 * 1024;
/**
 * Bytes each window shares with the next. It must hold the longest match (a PEM private key's body
 * may reach 64 KiB, `rules.ts`) plus the left context below and the right context a single-line
 * rule looks at (≤ 1 KiB), so every match lies whole inside the window that accepts it.
 */
export const STREAM_OVERLAP = 128 * 1024;
/**
 * A window accepts only matches starting at least this far into it (the first window: from 0),
 * so the regexes' look-behind and the key before a keyword are never cut off by the window's edge;
 * the window before accepted everything earlier.
 */
const LEFT_CONTEXT = 4096;
const NEWLINE = 0x0a;

export interface StreamScanOptions {
  /** Window and overlap in bytes (tests use small ones); overlap must be < window / 2. */
  window?: number;
  overlap?: number;
  /**
   * Also hash the raw content (md5, sha1, sha256) as it goes by: `true` for every file, `'text'`
   * for text and UTF-16 files only (the hash of a file the head calls binary is dropped).
   */
  digests?: boolean | 'text';
  /**
   * The window's memory, `window` bytes long, to reuse one allocation for file after file: the
   * caller lends it until `finish()` returns. Default: a fresh one.
   */
  buffer?: Buffer;
}

export interface StreamScanResult {
  kind: FileKind;
  secrets: FileSecret[];
  /** Raw bytes pushed. */
  bytes: number;
  digests?: FileDigests;
}

/**
 * Scans a file of any size pushed piece by piece, in memory bounded by the window: the head
 * (8 KiB) decides text, UTF-16 (decoded on the way) or binary (binary rules only); then each full
 * window is scanned and slid by `window - overlap`. Matches are accepted by exactly one window
 * (the one they start in, after its left context), with line numbers of the whole file, and a
 * value is reported once per file. Credential-file parsers need the whole file and do not run here.
 */
export class StreamScanner {
  private readonly windowSize: number;
  private readonly overlap: number;
  private hash: DigestAccumulator | undefined;
  private readonly hashTextOnly: boolean;
  private buffer: Buffer;
  private fill = 0;
  /** Offset, in the scanned (decoded) stream, of buffer[0]. */
  private base = 0;
  /** 1-based line of buffer[0]. */
  private baseLine = 1;
  /** Matches starting before this offset belong to an earlier window. */
  private acceptFrom = 0;
  /** Accepted matches reaching past the current window's acceptance end: later ones must not overlap them. */
  private reaching: Array<[number, number]> = [];
  private readonly seen = new Set<string>();
  private readonly secrets: FileSecret[] = [];
  private kind: FileKind | undefined;
  private decoder: Utf16Decoder | undefined;
  private rawBytes = 0;

  constructor(options: StreamScanOptions = {}) {
    this.windowSize = options.window ?? STREAM_WINDOW;
    this.overlap = options.overlap ?? STREAM_OVERLAP;
    if (!(this.overlap > LEFT_CONTEXT && this.overlap * 2 < this.windowSize)) {
      throw new Error(`StreamScanner: overlap ${this.overlap} must be > ${LEFT_CONTEXT} and < window / 2`);
    }
    this.hash =
      options.digests === undefined || options.digests === false ? undefined : new DigestAccumulator();
    this.hashTextOnly = options.digests === 'text';
    if (options.buffer !== undefined && options.buffer.length !== this.windowSize) {
      throw new Error(`StreamScanner: buffer must be ${this.windowSize} bytes, not ${options.buffer.length}`);
    }
    this.buffer = options.buffer ?? Buffer.allocUnsafe(this.windowSize);
  }

  /** One piece of the file, in order; only read during the call. */
  push(piece: Buffer): void {
    if (piece.length === 0) return;
    this.rawBytes += piece.length;
    let rest = piece;
    if (this.kind === undefined) {
      // The head is held raw in the window until it is long enough to decide on; it is hashed
      // then, so a binary's head costs no hashing when only text is hashed.
      const take = Math.min(rest.length, SNIFF_BYTES - this.fill);
      this.append(rest.subarray(0, take));
      if (this.fill < SNIFF_BYTES) return;
      this.decide();
      rest = rest.subarray(take);
      if (rest.length === 0) return;
    }
    this.hash?.update(rest);
    this.append(this.decoder === undefined ? rest : this.decoder.push(rest));
  }

  finish(): StreamScanResult {
    if (this.kind === undefined) this.decide();
    if (this.decoder !== undefined) this.append(this.decoder.end());
    if (this.base + this.fill > this.acceptFrom) this.scanWindow(true);
    return {
      kind: this.kind as FileKind,
      secrets: this.secrets,
      bytes: this.rawBytes,
      ...(this.hash !== undefined ? { digests: this.hash.digest() } : {}),
    };
  }

  private decide(): void {
    const head = this.buffer.subarray(0, this.fill);
    this.kind = fileKindOf(head);
    if (this.kind === 'binary' && this.hashTextOnly) this.hash = undefined;
    this.hash?.update(head);
    if (this.kind !== 'utf16') return;
    // Re-read the held head through the decoder: the window holds decoded text from here on.
    this.decoder = new Utf16Decoder(utf16Bom(head) as 'le' | 'be');
    const raw = Buffer.from(head);
    this.fill = 0;
    this.append(this.decoder.push(raw));
  }

  private append(bytes: Buffer): void {
    let pos = 0;
    while (pos < bytes.length) {
      const n = Math.min(this.windowSize - this.fill, bytes.length - pos);
      bytes.copy(this.buffer, this.fill, pos, pos + n);
      this.fill += n;
      pos += n;
      if (this.fill === this.windowSize) this.slide();
    }
  }

  private slide(): void {
    this.scanWindow(false);
    const keepFrom = this.fill - this.overlap;
    if (this.kind !== 'binary') this.baseLine += countNewlines(this.buffer, 0, keepFrom);
    this.buffer.copy(this.buffer, 0, keepFrom, this.fill);
    this.base += keepFrom;
    this.fill = this.overlap;
  }

  private scanWindow(final: boolean): void {
    const view = this.buffer.subarray(0, this.fill);
    const acceptTo = final ? Infinity : this.base + this.fill - this.overlap + LEFT_CONTEXT;
    const binary = this.kind === 'binary';
    const matches: TextMatch[] = binary ? scanBinary(view) : scanText(view);
    const reaching: Array<[number, number]> = [];
    for (const match of matches) {
      const start = this.base + match.start;
      const end = this.base + match.end;
      if (start < this.acceptFrom || start >= acceptTo) continue;
      if (this.reaching.some(([s, e]) => s < end && start < e)) continue;
      if (end > acceptTo) reaching.push([start, end]);
      if (this.seen.has(match.value)) continue;
      this.seen.add(match.value);
      this.secrets.push({
        rule: match.rule.id,
        value: match.value,
        ...(match.key !== undefined ? { key: match.key } : {}),
        ...(binary ? {} : { line: this.baseLine + match.line - 1 }),
      });
    }
    this.reaching = reaching;
    this.acceptFrom = acceptTo;
  }
}

function countNewlines(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = bytes.indexOf(NEWLINE, from); i >= 0 && i < to; i = bytes.indexOf(NEWLINE, i + 1)) count++;
  return count;
}
