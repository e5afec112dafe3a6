import { openSync, readSync, closeSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  elfArchitecture,
  machineName,
  normalizeArchitecture,
  parseElfHeader,
} from '../../../../src/facts/tools/elf-header.js';
import { elfHeader } from '../../../support/elf-fixture.js';

function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.alloc(64);
    const read = readSync(fd, bytes, 0, 64, 0);
    return bytes.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

describe('parseElfHeader', () => {
  it('reads class, byte order, type, machine and flags of a little-endian 64-bit object', () => {
    expect(parseElfHeader(elfHeader({ bits: 64, endian: 'le', type: 3, machine: 183, flags: 5 }))).toEqual({
      bits: 64,
      endian: 'le',
      type: 3,
      machine: 183,
      flags: 5,
    });
  });

  it('reads big-endian fields in big-endian order', () => {
    expect(parseElfHeader(elfHeader({ bits: 64, endian: 'be', type: 2, machine: 22 }))).toMatchObject({
      endian: 'be',
      type: 2,
      machine: 22,
    });
  });

  it('reads the 32-bit flags offset', () => {
    expect(
      parseElfHeader(elfHeader({ bits: 32, endian: 'le', type: 3, machine: 8, flags: 0x20 }))?.flags,
    ).toBe(0x20);
  });

  it('leaves flags out of a header cut before them, and refuses one cut before e_version', () => {
    const full = elfHeader({ bits: 64, endian: 'le', type: 3, machine: 62 });
    expect(parseElfHeader(full.subarray(0, 40))).toEqual({ bits: 64, endian: 'le', type: 3, machine: 62 });
    expect(parseElfHeader(full.subarray(0, 23))).toBeUndefined();
  });

  it('refuses what the kernel refuses: no magic, an unknown class or byte order, a version other than 1', () => {
    const good = elfHeader({ bits: 64, endian: 'le', type: 3, machine: 62 });
    expect(parseElfHeader(undefined)).toBeUndefined();
    expect(parseElfHeader(Buffer.from('#!/bin/sh\necho not an ELF object at all\n'))).toBeUndefined();
    for (const [at, value] of [
      [1, 0x46],
      [4, 3],
      [5, 0],
      [6, 2],
    ]) {
      const bad = Buffer.from(good);
      bad[at] = value;
      expect(parseElfHeader(bad), `byte ${at} = ${value}`).toBeUndefined();
    }
    expect(
      parseElfHeader(elfHeader({ bits: 64, endian: 'le', type: 3, machine: 62, version: 2 })),
    ).toBeUndefined();
  });

  it('reads a real shared object of this host as the host architecture', () => {
    const libc = realpathSync('/lib/x86_64-linux-gnu/libc.so.6');
    const header = parseElfHeader(head(libc));
    expect(header).toMatchObject({ bits: 64, endian: 'le', type: 3, machine: 62 });
    expect(elfArchitecture(header!)).toBe(normalizeArchitecture(process.arch));
  });
});

describe('elfArchitecture', () => {
  const arch = (bits: 32 | 64, endian: 'le' | 'be', machine: number, flags?: number): string | undefined =>
    elfArchitecture({ bits, endian, machine, ...(flags === undefined ? {} : { flags }) });

  it('names the OCI architectures image configs use', () => {
    expect(arch(64, 'le', 62)).toBe('amd64');
    expect(arch(32, 'le', 3)).toBe('386');
    expect(arch(64, 'le', 183)).toBe('arm64');
    expect(arch(32, 'le', 40)).toBe('arm');
    expect(arch(64, 'le', 243)).toBe('riscv64');
    expect(arch(64, 'le', 21)).toBe('ppc64le');
    expect(arch(64, 'be', 21)).toBe('ppc64');
    expect(arch(64, 'be', 22)).toBe('s390x');
    expect(arch(64, 'le', 8)).toBe('mips64le');
    expect(arch(32, 'le', 8)).toBe('mipsle');
    expect(arch(32, 'be', 8, 0x20)).toBe('mips64p32');
    expect(arch(64, 'le', 258)).toBe('loong64');
  });

  it('names no architecture for combinations no platform has', () => {
    expect(arch(32, 'le', 62)).toBeUndefined(); // x32
    expect(arch(64, 'be', 183)).toBeUndefined();
    expect(arch(64, 'le', 0xbeef)).toBeUndefined();
    expect(machineName(0xbeef)).toBe('e_machine 48879');
    expect(machineName(62)).toBe('x86-64');
  });
});

describe('normalizeArchitecture', () => {
  it('maps other spellings to GOARCH and refuses unknown names', () => {
    expect(normalizeArchitecture('amd64')).toBe('amd64');
    expect(normalizeArchitecture('x86_64')).toBe('amd64');
    expect(normalizeArchitecture('AARCH64')).toBe('arm64');
    expect(normalizeArchitecture('i686')).toBe('386');
    expect(normalizeArchitecture('ppc64el')).toBe('ppc64le');
    expect(normalizeArchitecture('')).toBeUndefined();
    expect(normalizeArchitecture('wasm')).toBeUndefined();
    expect(normalizeArchitecture(undefined)).toBeUndefined();
  });
});
