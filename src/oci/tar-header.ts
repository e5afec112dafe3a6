import { PushgateError, type ErrorCode } from '../errors.js';

/**
 * The one tar header decoder, for layer tars (the walker's streaming reader) and image archives
 * (the docker-archive / OCI layout index): one 512-byte header block (ustar, GNU and v7 layouts),
 * PAX extended header records and GNU long names. Every numeric field is validated: a negative or
 * non-numeric size is an error, never a silently huge or negative number.
 *
 * Errors are PushgateErrors with the caller's `code` (LAYER_CORRUPT for a layer, ARCHIVE_INVALID
 * for an image archive) and a bare message; callers add where in which file it happened.
 */

/** Whose tar it is: a layer's or an image archive's. */
export type TarErrorCode = Extract<ErrorCode, 'LAYER_CORRUPT' | 'ARCHIVE_INVALID'>;

/** What a header block says, before PAX / GNU long names are applied. */
export interface RawTarHeader {
  name: string;
  linkname: string;
  /** The typeflag byte as a character (`'0'`, `'5'`, `'x'`, `'L'`, …; `'\0'` for old files). */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
}

/** PAX keys pushgate applies; the rest (xattrs, uname, atime…) are ignored. */
export interface PaxRecords {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

/** Reads a NUL-terminated string field. */
function field(block: Buffer, start: number, length: number): string {
  let end = start;
  const limit = start + length;
  while (end < limit && block[end] !== 0) end++;
  return block.toString('utf8', start, end);
}

/**
 * A numeric field: octal digits padded by spaces or NULs, or GNU base-256 when the high bit of
 * the first byte is set.
 */
export function parseNumeric(
  block: Buffer,
  start: number,
  length: number,
  what: string,
  code: TarErrorCode,
): number {
  const end = start + length;
  const lead = block[start];
  if (lead & 0x80) {
    if (lead === 0xff) throw new PushgateError(code, `negative ${what} in base-256 field`);
    let value = lead & 0x7f;
    for (let i = start + 1; i < end; i++) {
      value = value * 256 + block[i];
      if (value > Number.MAX_SAFE_INTEGER) throw new PushgateError(code, `${what} is too large`);
    }
    return value;
  }
  let i = start;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i];
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw new PushgateError(code, `${what} field is not octal`);
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) {
    const c = block[i];
    if (c !== 0x20 && c !== 0) throw new PushgateError(code, `${what} field is not octal`);
  }
  return digits === 0 ? 0 : value;
}

/** True when the block is all zeros (end-of-archive marker). */
export function isZeroBlock(block: Buffer, start: number): boolean {
  for (let i = start; i < start + 512; i += 4) {
    if (block.readUInt32LE(i) !== 0) return false;
  }
  return true;
}

/**
 * True when the header block's stored checksum is the sum of its bytes (the checksum field read as
 * spaces); some old tars summed signed bytes, and either is accepted, as GNU tar and Go do.
 */
export function checksumMatches(block: Buffer, start: number): boolean {
  let stored: number;
  try {
    stored = parseNumeric(block, start + 148, 8, 'checksum', 'ARCHIVE_INVALID');
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = start; i < start + 512; i++) {
    const b = i >= start + 148 && i < start + 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Decodes the header block at `block[start..start+512]`; throws a PushgateError with `code` when invalid. */
export function decodeTarHeader(block: Buffer, start: number, code: TarErrorCode): RawTarHeader {
  if (!checksumMatches(block, start)) throw new PushgateError(code, 'checksum mismatch');

  const typeflag = String.fromCharCode(block[start + 156]);
  // 'ustar\0' (POSIX) carries a name prefix; 'ustar ' (GNU) uses that area for other fields.
  const posix =
    block[start + 257] === 0x75 &&
    block[start + 258] === 0x73 &&
    block[start + 259] === 0x74 &&
    block[start + 260] === 0x61 &&
    block[start + 261] === 0x72 &&
    block[start + 262] === 0;
  let name = field(block, start, 100);
  if (posix && block[start + 345] !== 0) {
    name = `${field(block, start + 345, 155)}/${name}`;
  }
  return {
    name,
    linkname: field(block, start + 157, 100),
    typeflag,
    mode: parseNumeric(block, start + 100, 8, 'mode', code) & 0o7777,
    uid: parseNumeric(block, start + 108, 8, 'uid', code),
    gid: parseNumeric(block, start + 116, 8, 'gid', code),
    size: parseNumeric(block, start + 124, 12, 'size', code),
    mtime: parseNumeric(block, start + 136, 12, 'mtime', code),
  };
}

const DECIMAL = /^[0-9]+$/;

function safeInteger(value: string, key: string, code: TarErrorCode): number {
  if (!DECIMAL.test(value))
    throw new PushgateError(code, `PAX ${key} ${JSON.stringify(value.slice(0, 40))} is not a decimal number`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new PushgateError(code, `PAX ${key} is too large`);
  return n;
}

/**
 * Parses PAX records (`"%d %s=%s\n"`). `into` receives the keys pushgate applies; later records
 * override earlier ones, as POSIX says.
 */
export function parsePax(buf: Buffer, into: PaxRecords, code: TarErrorCode): PaxRecords {
  let pos = 0;
  while (pos < buf.length) {
    // Trailing NUL padding after the last record is tolerated (some writers add it).
    if (buf[pos] === 0) break;
    let space = pos;
    let len = 0;
    while (space < buf.length && buf[space] >= 0x30 && buf[space] <= 0x39 && space - pos < 16) {
      len = len * 10 + (buf[space] - 0x30);
      space++;
    }
    if (space === pos || buf[space] !== 0x20 || len <= space - pos + 1 || pos + len > buf.length) {
      throw new PushgateError(code, 'malformed PAX record length');
    }
    const recordEnd = pos + len;
    if (buf[recordEnd - 1] !== 0x0a) throw new PushgateError(code, 'PAX record does not end with a newline');
    const eq = buf.indexOf(0x3d, space + 1);
    if (eq === -1 || eq >= recordEnd) throw new PushgateError(code, 'PAX record has no "="');
    const key = buf.toString('utf8', space + 1, eq);
    const value = buf.toString('utf8', eq + 1, recordEnd - 1);
    switch (key) {
      case 'path':
        into.path = value;
        break;
      case 'linkpath':
        into.linkpath = value;
        break;
      case 'size':
        into.size = safeInteger(value, key, code);
        break;
      case 'uid':
        into.uid = safeInteger(value, key, code);
        break;
      case 'gid':
        into.gid = safeInteger(value, key, code);
        break;
      case 'mtime': {
        const t = Number(value);
        if (Number.isFinite(t)) into.mtime = t;
        break;
      }
      default:
        break;
    }
    pos = recordEnd;
  }
  return into;
}

/** The name carried by a GNU `L`/`K` entry: up to its terminating NUL(s). */
export function parseGnuLongName(buf: Buffer): string {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  // A NUL inside the name survives as `\0` so the walker rejects it instead of truncating.
  return buf.toString('utf8', 0, end);
}
