import { PushgateError } from '../../errors.js';

const MAGIC = 'SQLite format 3\0';
const LEAF_TABLE = 0x0d;
const INTERIOR_TABLE = 0x05;

export type SqliteValue = null | number | string | Buffer;

/**
 * A read-only reader of one SQLite database file held in memory, enough to list the rows of a
 * table (https://www.sqlite.org/fileformat2.html: table b-trees, records, overflow pages).
 * Written for rpm's `rpmdb.sqlite`, which pushgate reads without a native SQLite build. Every
 * page number and length is checked against the file and every page is visited at most once, so
 * a hostile file gives a `LAYER_CORRUPT` error, never a hang or a crash. It does not replay a
 * `-wal` file: rows written since the last checkpoint are not seen.
 */
export class SqliteReader {
  private readonly pageSize: number;
  private readonly usable: number;
  private readonly pageCount: number;
  private readonly encoding: 'utf8' | 'utf16le' | 'utf16be';

  constructor(
    private readonly data: Buffer,
    private readonly label = 'SQLite database',
  ) {
    if (data.length < 100 || data.toString('latin1', 0, 16) !== MAGIC)
      this.fail('is not a SQLite 3 database');
    const rawPageSize = data.readUInt16BE(16);
    this.pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    if (this.pageSize < 512 || this.pageSize > 65536 || (this.pageSize & (this.pageSize - 1)) !== 0) {
      this.fail(`has an invalid page size ${rawPageSize}`);
    }
    this.usable = this.pageSize - data[20];
    if (this.usable < 480) this.fail('has too many reserved bytes per page');
    this.pageCount = Math.floor(data.length / this.pageSize);
    const encoding = data.readUInt32BE(56);
    this.encoding = encoding === 2 ? 'utf16le' : encoding === 3 ? 'utf16be' : 'utf8';
  }

  /** Rows of table `name` (case-insensitive), each as its column values in declaration order. */
  *rows(name: string): Generator<SqliteValue[]> {
    const wanted = name.toLowerCase();
    let root: number | undefined;
    for (const row of this.walkTable(1)) {
      if (row[0] === 'table' && typeof row[1] === 'string' && row[1].toLowerCase() === wanted) {
        if (typeof row[3] === 'number') root = row[3];
        break;
      }
    }
    if (root === undefined) this.fail(`has no table ${name}`);
    yield* this.walkTable(root);
  }

  private *walkTable(root: number): Generator<SqliteValue[]> {
    const seen = new Set<number>();
    const pending = [root];
    while (pending.length > 0) {
      const page = pending.pop() as number;
      if (seen.has(page)) this.fail(`has a b-tree cycle at page ${page}`);
      seen.add(page);
      const start = this.pageOffset(page);
      const header = page === 1 ? start + 100 : start;
      this.need(header + 8);
      const type = this.data[header];
      const cells = this.data.readUInt16BE(header + 3);
      if (type === INTERIOR_TABLE) {
        this.need(header + 12 + cells * 2);
        // Pushed in reverse so rows come out in rowid order.
        pending.push(this.checkedPage(this.data.readUInt32BE(header + 8)));
        for (let i = cells - 1; i >= 0; i--) {
          const cell = start + this.data.readUInt16BE(header + 12 + i * 2);
          this.need(cell + 4);
          pending.push(this.checkedPage(this.data.readUInt32BE(cell)));
        }
      } else if (type === LEAF_TABLE) {
        this.need(header + 8 + cells * 2);
        for (let i = 0; i < cells; i++) {
          const cell = start + this.data.readUInt16BE(header + 8 + i * 2);
          yield this.decodeRecord(this.leafPayload(cell, start + this.pageSize));
        }
      } else {
        this.fail(`has page ${page} of type ${type} in a table b-tree`);
      }
    }
  }

  private leafPayload(cell: number, pageEnd: number): Buffer {
    const [size, sizeLength] = this.varint(cell);
    const [, rowidLength] = this.varint(cell + sizeLength);
    const body = cell + sizeLength + rowidLength;
    if (size > this.data.length) this.fail(`has a record of ${size} bytes, larger than the file`);
    const maxLocal = this.usable - 35;
    let local = size;
    if (size > maxLocal) {
      const minLocal = Math.floor(((this.usable - 12) * 32) / 255) - 23;
      const k = minLocal + ((size - minLocal) % (this.usable - 4));
      local = k <= maxLocal ? k : minLocal;
    }
    if (body + local > pageEnd) this.fail('has a cell running past its page');
    if (local === size) return this.data.subarray(body, body + size);
    const parts: Buffer[] = [this.data.subarray(body, body + local)];
    let remaining = size - local;
    this.need(body + local + 4);
    let next = this.data.readUInt32BE(body + local);
    const seen = new Set<number>();
    while (remaining > 0) {
      if (next === 0 || seen.has(next)) this.fail('has a broken overflow chain');
      seen.add(next);
      const offset = this.pageOffset(this.checkedPage(next));
      const chunk = Math.min(remaining, this.usable - 4);
      this.need(offset + 4 + chunk);
      parts.push(this.data.subarray(offset + 4, offset + 4 + chunk));
      remaining -= chunk;
      next = this.data.readUInt32BE(offset);
    }
    return Buffer.concat(parts, size);
  }

  private decodeRecord(payload: Buffer): SqliteValue[] {
    const [headerSize, first] = this.varint(0, payload);
    if (headerSize > payload.length) this.fail('has a record header longer than the record');
    const types: number[] = [];
    for (let at = first; at < headerSize;) {
      const [type, length] = this.varint(at, payload);
      types.push(type);
      at += length;
    }
    const values: SqliteValue[] = [];
    let at = headerSize;
    for (const type of types) {
      const size = serialSize(type);
      if (at + size > payload.length) this.fail('has a record value past the end of the record');
      values.push(this.value(type, payload, at, size));
      at += size;
    }
    return values;
  }

  private value(type: number, payload: Buffer, at: number, size: number): SqliteValue {
    if (type === 0) return null;
    if (type === 8) return 0;
    if (type === 9) return 1;
    if (type === 7) return payload.readDoubleBE(at);
    if (type >= 1 && type <= 6) return Number(payload.readIntBE(at, Math.min(size, 6)));
    const bytes = payload.subarray(at, at + size);
    if (type % 2 === 0) return Buffer.from(bytes);
    if (this.encoding === 'utf16be') return Buffer.from(bytes).swap16().toString('utf16le');
    return bytes.toString(this.encoding);
  }

  /** SQLite varint (1–9 bytes, big-endian 7-bit groups); values above 2^53 lose precision, which no length we use reaches. */
  private varint(at: number, buffer: Buffer = this.data): [number, number] {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      if (at + i >= buffer.length) this.fail('has a truncated varint');
      const byte = buffer[at + i];
      if (i === 8) return [value * 256 + byte, 9];
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) return [value, i + 1];
    }
    return [value, 9];
  }

  private checkedPage(page: number): number {
    if (page < 1 || page > this.pageCount)
      this.fail(`points at page ${page} beyond its ${this.pageCount} pages`);
    return page;
  }

  private pageOffset(page: number): number {
    return (this.checkedPage(page) - 1) * this.pageSize;
  }

  private need(end: number): void {
    if (end > this.data.length) this.fail('is truncated');
  }

  private fail(why: string): never {
    throw new PushgateError('LAYER_CORRUPT', `${this.label} ${why}`);
  }
}

function serialSize(type: number): number {
  if (type >= 12) return Math.floor((type - 12) / 2);
  return [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][type] ?? 0;
}
