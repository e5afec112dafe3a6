import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import { digestsOf } from '../../../src/secrets/file-digests.js';
import { scanFile } from '../../../src/secrets/scan-file.js';
import { StreamScanner, type StreamScanOptions } from '../../../src/secrets/stream-scanner.js';
import { expandTemplate } from '../../fixtures/secrets/expand-template.js';
import { pseudoRandom } from '../../support/seed-images.js';

const GH = expandTemplate('ghp_[[gen::36:alnum]]', 201);
const GH2 = expandTemplate('ghp_[[gen::36:alnum]]', 202);
/** Variable length: a window edge must not cut it short. */
const GLPAT = expandTemplate('glpat-[[gen::40:alnum]]', 204);
const PEM = expandTemplate('[[pem:RSA PRIVATE KEY]]', 203);
/** Built at run time, never committed as a literal. */
const AWS_KEY_ID = `AKIA${pseudoRandom('stream-scanner-aws', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;

const SMALL: StreamScanOptions = { window: 64 * 1024, overlap: 16 * 1024 };

/** Lines of harmless text, `bytes` long at least, each line `width` bytes with its newline. */
function filler(bytes: number, width = 64): string {
  const line = `${'lorem ipsum dolor sit amet '.repeat(4).slice(0, width - 1)}\n`;
  return line.repeat(Math.ceil(bytes / width));
}

/** Pushes `content` in pieces of varying sizes (1 byte to ~5 KiB), as tar chunk edges fall anywhere. */
function streamScan(content: Buffer, options: StreamScanOptions = SMALL) {
  const scanner = new StreamScanner(options);
  let pos = 0;
  for (let i = 0; pos < content.length; i++) {
    const n = [1, 4093, 3, 5120, 777][i % 5];
    scanner.push(content.subarray(pos, pos + n));
    pos += n;
  }
  return scanner.finish();
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('StreamScanner', () => {
  it('finds a token straddling a window edge once, with its line in the whole file', () => {
    // The first window ends at 64 KiB: put the token across it (and across the overlap's start too).
    for (const token of [GH, GLPAT]) {
      for (const at of [64 * 1024 - 20, 64 * 1024 - 30, 64 * 1024 - 16 * 1024 - 10, 64 * 1024 + 4096 - 5]) {
        const head = filler(at).slice(0, at - 6);
        const text = `${head}\ntok=${token} end\n${filler(200_000)}`;
        const result = streamScan(Buffer.from(text));
        expect(result.kind).toBe('text');
        expect(result.secrets, `at ${at}`).toEqual([
          { rule: token === GH ? 'github-pat' : 'gitlab-pat', value: token, line: lineOf(text, token) },
        ]);
      }
    }
  });

  it('does not find a token glued to the text before it when a window starts between them', () => {
    // The second window starts at 64 KiB - 16 KiB: the token's left neighbour is the first window's.
    const start = 64 * 1024 - 16 * 1024;
    const text = `${filler(start).slice(0, start - 2)}\nZ${GH}\n${filler(100_000)}`;
    expect(text.indexOf(GH)).toBe(start);
    expect(scanFile('a.txt', Buffer.from(text)).secrets).toEqual([]);
    expect(streamScan(Buffer.from(text)).secrets).toEqual([]);
  });

  it('finds a PEM private key that spans two windows', () => {
    const at = 64 * 1024 - PEM.length / 2;
    const text = `${filler(at).slice(0, at)}\n${PEM}\n${filler(100_000)}`;
    const result = streamScan(Buffer.from(text));
    const whole = scanFile('app/data.txt', Buffer.from(text)).secrets;
    expect(whole.map((s) => s.rule)).toEqual(['private-key']);
    expect(result.secrets).toEqual(whole);
    expect(result.secrets[0].line).toBe(lineOf(text, '-----BEGIN'));
  });

  it('numbers lines across many windows like a scan of the whole text, and reports a value once per file', () => {
    const parts: string[] = [];
    for (let i = 0; i < 12; i++) parts.push(filler(30_000 + i * 1111), `k${i}=${i % 2 === 0 ? GH : GH2}\n`);
    parts.push(`mixed\r\nline endings\r\nlast=${AWS_KEY_ID}`);
    const text = parts.join('');
    const result = streamScan(Buffer.from(text));
    expect(result.secrets).toEqual([
      { rule: 'github-pat', value: GH, line: lineOf(text, GH) },
      { rule: 'github-pat', value: GH2, line: lineOf(text, GH2) },
      { rule: 'aws-access-key-id', value: AWS_KEY_ID, line: lineOf(text, AWS_KEY_ID) },
    ]);
    expect(result.bytes).toBe(Buffer.byteLength(text));
  });

  it('hashes what it was given: md5, sha1 and sha256 of the whole content', () => {
    const content = Buffer.from(`${filler(300_000)}${GH}\n`);
    const result = streamScan(content, { ...SMALL, digests: true });
    expect(result.digests).toEqual(digestsOf(content));
    expect(streamScan(content).digests).toBeUndefined();
  });

  it('hashes the raw bytes whatever the head decides: short files, UTF-16, and text only when asked', () => {
    const short = Buffer.from(`token=${GH}\n`);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(filler(20_000), 'utf16le')]);
    const elf = readFileSync('/usr/bin/docker-registry').subarray(0, 200_000);
    for (const content of [short, utf16, elf]) {
      expect(streamScan(content, { ...SMALL, digests: true }).digests).toEqual(digestsOf(content));
    }
    expect(streamScan(short, { ...SMALL, digests: 'text' }).digests).toEqual(digestsOf(short));
    expect(streamScan(utf16, { ...SMALL, digests: 'text' }).digests).toEqual(digestsOf(utf16));
    expect(streamScan(elf, { ...SMALL, digests: 'text' }).digests).toBeUndefined();
  });

  it('reuses a lent window file after file, and refuses one of the wrong size', () => {
    const window = Buffer.alloc(SMALL.window as number);
    const first = Buffer.from(`${filler(200_000)}token=${GH}\n`);
    const second = Buffer.from(`${filler(150_000)}${GH2}\n`);
    const scan = (content: Buffer) => {
      const scanner = new StreamScanner({ ...SMALL, buffer: window });
      scanner.push(content);
      return scanner.finish().secrets;
    };
    expect(scan(first)).toEqual([{ rule: 'github-pat', value: GH, line: lineOf(first.toString(), GH) }]);
    // The scanner worked in the lent memory: the file's last bytes are still in it.
    expect(window.includes(Buffer.from(`token=${GH}\n`))).toBe(true);
    expect(scan(second)).toEqual([{ rule: 'github-pat', value: GH2, line: lineOf(second.toString(), GH2) }]);
    expect(() => new StreamScanner({ ...SMALL, buffer: Buffer.alloc(10) })).toThrow(/65536 bytes, not 10/);
  });

  it('decodes UTF-16 (both byte orders, pieces split mid-character) and numbers decoded lines', () => {
    const password = pseudoRandom('stream-scanner-password', 20);
    const text = `${filler(150_000)}DB_PASSWORD=${password}\n${filler(100_000)}`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    for (const content of [le, be]) {
      const result = streamScan(content);
      expect(result.kind).toBe('utf16');
      expect(result.secrets).toEqual([
        {
          rule: 'generic-secret-assignment',
          key: 'DB_PASSWORD',
          value: password,
          line: lineOf(text, password),
        },
      ]);
    }
  });

  it('reads a real ELF binary (a Go program) with the binary rules: a key glued between other strings is found', () => {
    const elf = readFileSync('/usr/bin/docker-registry');
    const at = Math.floor(elf.length / 2);
    // Go packs string literals back to back: no separator before or after the key.
    const content = Buffer.concat([
      elf.subarray(0, at),
      Buffer.from(`invalidoperation${AWS_KEY_ID}Unmarshal`),
      elf.subarray(at),
    ]);
    const result = streamScan(content, {});
    expect(result.kind).toBe('binary');
    expect(result.secrets).toEqual([{ rule: 'aws-access-key-id', value: AWS_KEY_ID }]);
    expect(streamScan(elf, {}).secrets).toEqual([]);
  });

  it('keeps memory bounded on a 50 MB file', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const piece = Buffer.from(filler(64 * 1024).slice(0, 64 * 1024));
    const pieces = Math.ceil((50 * 1024 * 1024) / piece.length);
    const used = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    let peak = 0;
    const scanner = new StreamScanner({ digests: true });
    for (let i = 0; i < pieces; i++) {
      scanner.push(piece);
      if (i % 100 === 0) peak = Math.max(peak, used() - before);
    }
    scanner.push(Buffer.from(`token=${GH}\n`));
    const result = scanner.finish();
    expect(result.bytes).toBe(pieces * piece.length + GH.length + 7);
    expect(result.secrets).toEqual([{ rule: 'github-pat', value: GH, line: pieces * 1024 + 1 }]);
    // The window (1 MiB) and its scan's temporaries, never the file.
    expect(peak).toBeLessThan(8 * 1024 * 1024);
  });
});
