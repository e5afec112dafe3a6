import { describe, expect, it } from 'vitest';
import { sniffExecutable } from '../../../../src/facts/tools/content-sniff.js';
import {
  dpkgListPackage,
  parseApkInstalled,
  parseDpkgList,
  parseDpkgStatus,
} from '../../../../src/facts/tools/package-db.js';

describe('package database parsers', () => {
  it('parses dpkg stanzas, strips the source version and drops a stanza cut by the content cap', () => {
    const text =
      'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc (2.36-9)\nVersion: 2.36-9\nDescription: x\n more\n\nPackage: cut\nStatus: install ok installed\nVer';
    expect(parseDpkgStatus(text, false)).toEqual([
      { name: 'libc6', version: '2.36-9', source: 'glibc', architecture: 'amd64' },
    ]);
    expect(parseDpkgStatus(text, true)).toHaveLength(1);
    expect(parseDpkgStatus('garbage\n\n\n:::\nPackage:\n')).toEqual([]);
  });

  it('parses apk installed with owned files', () => {
    const text =
      'P:gcc\nV:13-r0\nA:x86_64\no:gcc\nF:usr/bin\nR:gcc\nR:cpp\nF:usr/share/doc\nR:gcc\n\nP:\nV:1\n';
    expect(parseApkInstalled(text, (p) => p.startsWith('usr/bin/'))).toEqual([
      {
        name: 'gcc',
        version: '13-r0',
        architecture: 'x86_64',
        source: 'gcc',
        files: ['usr/bin/gcc', 'usr/bin/cpp'],
      },
    ]);
  });

  it('reads dpkg .list files', () => {
    expect(dpkgListPackage('var/lib/dpkg/info/libc6:amd64.list')).toBe('libc6');
    expect(dpkgListPackage('var/lib/dpkg/info/gcc-12.list')).toBe('gcc-12');
    expect(dpkgListPackage('var/lib/dpkg/info/gcc-12.md5sums')).toBeUndefined();
    expect(parseDpkgList('/.\n/usr\n/usr/bin/gcc-12\n', (p) => p.startsWith('usr/bin/'))).toEqual([
      'usr/bin/gcc-12',
    ]);
  });

  it('sniffs ELF and scripts by their first bytes', () => {
    expect(sniffExecutable(Buffer.from('\x7fELF\x02\x01', 'latin1'))).toBe('elf');
    expect(sniffExecutable(Buffer.from('#!/bin/sh\n'))).toBe('script');
    expect(sniffExecutable(Buffer.from('# not a shebang'))).toBeUndefined();
    expect(sniffExecutable(Buffer.from('\x7fEL', 'latin1'))).toBeUndefined();
    expect(sniffExecutable(undefined)).toBeUndefined();
  });
});
