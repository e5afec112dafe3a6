import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { decodeUtf16, Utf16Decoder } from '../../../src/secrets/decode-utf16.js';
import { SECRET_RULES } from '../../../src/secrets/rules.js';
import { BINARY_RULES, binaryRegions, MIN_RUN, scanBinary } from '../../../src/secrets/scan-binary.js';
import { scanFile } from '../../../src/secrets/scan-file.js';
import { COMPILED_EXTENSIONS, isSkippedFileName } from '../../../src/secrets/skip-rules.js';
import { expandTemplate } from '../../fixtures/secrets/expand-template.js';
import { pseudoRandom } from '../../support/seed-images.js';

const AWS_KEY_ID = `AKIA${pseudoRandom('scan-binary-aws', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
const GH = expandTemplate('ghp_[[gen::36:alnum]]', 301);
const PEM = expandTemplate('[[pem:EC PRIVATE KEY]]', 302);
const STRIPE_TEST = ['sk', 'test', pseudoRandom('scan-binary-stripe', 24)].join('_');

/** A real ELF from the host with `insert` placed in the middle. */
function elfWith(insert: string): Buffer {
  const elf = readFileSync('/bin/true');
  const at = Math.floor(elf.length / 2);
  return Buffer.concat([elf.subarray(0, at), Buffer.from(insert), elf.subarray(at)]);
}

describe('binary rules', () => {
  it('are the rules marked binary, with their token boundaries dropped', () => {
    expect(BINARY_RULES.map((r) => r.id)).toEqual(SECRET_RULES.filter((r) => r.binary).map((r) => r.id));
    expect(BINARY_RULES.map((r) => r.id)).toEqual(
      expect.arrayContaining([
        'private-key',
        'aws-access-key-id',
        'github-pat',
        'slack-token',
        'stripe-live-key',
      ]),
    );
    expect(BINARY_RULES.map((r) => r.id)).not.toContain('generic-secret-assignment');
    for (const rule of BINARY_RULES) {
      expect(rule.regex.source, rule.id).not.toMatch(/^\(\?<!/);
      expect(rule.regex.source, rule.id).not.toMatch(/\(\?![^)]*\)$/);
    }
  });

  it('finds runs of token characters only, widened and merged', () => {
    const bytes = Buffer.concat([
      Buffer.alloc(1000, 0),
      Buffer.from('short'),
      Buffer.alloc(1000, 0xff),
      Buffer.from('x'.repeat(MIN_RUN)),
      Buffer.alloc(5000, 0),
    ]);
    expect(binaryRegions(bytes)).toEqual([[2005 - 160, 2005 + MIN_RUN + 160]]);
    expect(binaryRegions(Buffer.alloc(100_000, 0x90))).toEqual([]);
  });

  it('finds a key glued between strings of a real ELF, and a PEM key in it, but runs no text-only rule', () => {
    const found = scanBinary(elfWith(`\0invalid${AWS_KEY_ID}operation\0\n${PEM}\n\0key=${STRIPE_TEST}\0`));
    expect(found.map((m) => [m.rule.id, m.value === AWS_KEY_ID])).toEqual([
      ['aws-access-key-id', true],
      ['private-key', false],
    ]);
  });

  it('scanFile reads compiled objects as binaries: found, no line', () => {
    const scan = scanFile('usr/lib/libx.so.1', elfWith(`lib${GH}init`));
    expect(scan).toEqual({ kind: 'binary', secrets: [{ rule: 'github-pat', value: GH }] });
    expect(scanFile('usr/bin/true', readFileSync('/bin/true'))).toEqual({ kind: 'binary', secrets: [] });
    for (const ext of COMPILED_EXTENSIONS) expect(isSkippedFileName(`x.${ext}`), ext).toBe(false);
  });
});

describe('UTF-16 text', () => {
  const password = pseudoRandom('utf16-env-password', 18);
  const env = `# settings\nAPP_ENV=prod\nDB_PASSWORD=${password}\n`;
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(env, 'utf16le')]);
  const be = Buffer.from(le).swap16();

  it('decodes both byte orders, piece by piece, split anywhere', () => {
    expect(decodeUtf16(le, 'le').toString()).toBe(env);
    expect(decodeUtf16(be, 'be').toString()).toBe(env);
    const emoji = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a😀b\n', 'utf16le')]);
    for (let cut = 1; cut < emoji.length; cut++) {
      const decoder = new Utf16Decoder('le');
      const out = Buffer.concat([
        decoder.push(emoji.subarray(0, cut)),
        decoder.push(emoji.subarray(cut)),
        decoder.end(),
      ]);
      expect(out.toString(), `cut ${cut}`).toBe('a😀b\n');
    }
  });

  it('a UTF-16 .env holding a password is found by its credential parser, with its line', () => {
    for (const content of [le, be]) {
      const scan = scanFile('app/.env', content);
      expect(scan.kind).toBe('utf16');
      expect(scan.secrets).toEqual([
        expect.objectContaining({ rule: 'dotenv-secret', key: 'DB_PASSWORD', value: password, line: 3 }),
      ]);
    }
  });

  it('UTF-16 text of any name is scanned with the text rules', () => {
    const scan = scanFile(
      'app/notes.txt',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`x\ntoken ${GH}\n`, 'utf16le')]),
    );
    expect(scan).toEqual({ kind: 'utf16', secrets: [{ rule: 'github-pat', value: GH, line: 2 }] });
  });
});
