/**
 * ELF headers for tests, written field by field as a linker would (only what parsers of the first
 * 64 bytes read is set), and real shared objects of the host for end-to-end cases.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A 64-byte ELF header; `body` bytes of zeros follow it. */
export function elfHeader(options: {
  bits: 32 | 64;
  endian: 'le' | 'be';
  type: number;
  machine: number;
  flags?: number;
  version?: number;
  body?: number;
}): Buffer {
  const bytes = Buffer.alloc(64 + (options.body ?? 0));
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, options.bits === 64 ? 2 : 1, options.endian === 'le' ? 1 : 2, 1]).copy(
    bytes,
  );
  const le = options.endian === 'le';
  const u16 = (value: number, at: number): number =>
    le ? bytes.writeUInt16LE(value, at) : bytes.writeUInt16BE(value, at);
  const u32 = (value: number, at: number): number =>
    le ? bytes.writeUInt32LE(value, at) : bytes.writeUInt32BE(value, at);
  u16(options.type, 16);
  u16(options.machine, 18);
  u32(options.version ?? 1, 20);
  u32(options.flags ?? 0, options.bits === 64 ? 48 : 36);
  return bytes;
}

const HOST_LIBRARY_DIR = '/usr/lib/x86_64-linux-gnu';

/**
 * The smallest real x86-64 shared object (ELF64, little-endian, ET_DYN, e_machine 62) in the
 * host's multiarch library directory, read whole: a file a linker produced, not a fixture. Throws
 * when the host has none (the tests run on x86-64 Debian, where libc alone is one).
 */
export function hostX86SharedObject(maxBytes = 256 * 1024): { path: string; content: Buffer } {
  const candidates = readdirSync(HOST_LIBRARY_DIR)
    .filter((name) => /\.so(?:\.\d+)*$/.test(name))
    .map((name) => join(HOST_LIBRARY_DIR, name))
    .filter((path) => {
      const stat = lstatSync(path);
      return stat.isFile() && stat.size >= 64 && stat.size <= maxBytes;
    })
    .sort((a, b) => lstatSync(a).size - lstatSync(b).size || (a < b ? -1 : 1));
  for (const path of candidates) {
    const content = readFileSync(path);
    const isX86Dso =
      content.readUInt32BE(0) === 0x7f454c46 &&
      content[4] === 2 &&
      content[5] === 1 &&
      content.readUInt16LE(16) === 3 &&
      content.readUInt16LE(18) === 62;
    if (isX86Dso) return { path, content };
  }
  throw new Error(
    `no x86-64 shared object under ${HOST_LIBRARY_DIR} (the tests expect an x86-64 Debian host)`,
  );
}
