import { describe, expect, it } from 'vitest';
import { sniffBinary } from '../../../src/secrets/sniff-binary.js';
import { isSkippedFileName } from '../../../src/secrets/skip-rules.js';

describe('sniffBinary', () => {
  it('calls text text, and NUL bytes or many control characters binary', () => {
    expect(sniffBinary(Buffer.from('plain text\twith tabs\r\nand \x1b[0m colours\n'))).toBe(false);
    expect(sniffBinary(Buffer.from('\x7fELF\x02\x01\x01\x00\x00'))).toBe(true);
    expect(sniffBinary(Buffer.from('\x01\x02\x03\x04abcdefghijklmnop'))).toBe(true);
    expect(sniffBinary(Buffer.alloc(0))).toBe(false);
  });

  it('looks at the first 8 KiB only', () => {
    expect(sniffBinary(Buffer.concat([Buffer.alloc(9000, 'a'), Buffer.from([0])]))).toBe(false);
  });
});

describe('isSkippedFileName', () => {
  it('skips media, fonts, compressed files and catalogues by extension; not compiled objects or text', () => {
    for (const name of ['logo.PNG', 'font.woff2', 'a.tar.gz', 'app.jar', 'de.mo'])
      expect(isSkippedFileName(name), name).toBe(true);
    for (const name of [
      'icon.svg',
      'key.pem',
      'app.js.map',
      'app.min.js',
      'package-lock.json',
      '.env',
      'Makefile',
      '.so',
      // Compiled objects are scanned with the binary rules.
      'libz.so',
      'libz.so.1.2.13',
      'x.pyc',
      'Main.class',
      'addon.node',
      'app.wasm',
      'libc.a',
      'x.o',
      'mod.ko',
      'app.exe',
      'x.dll',
    ])
      expect(isSkippedFileName(name), name).toBe(false);
  });
});
