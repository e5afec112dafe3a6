import { execFileSync } from 'node:child_process';
import { ImageBudget } from '../../../src/inspect/image-budget.js';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { isPushgateError } from '../../../src/errors.js';
import { sourceChecksDigest, walkLayer, type WalkLayerOptions } from '../../../src/inspect/walk-layer.js';
import { DigestCheckStream } from '../../../src/oci/digest-check-stream.js';
import type { EntryConsumer, LayerEntry, LayerWalkResult, Want } from '../../../src/inspect/types.js';
import { tarLayer, type FileSpec } from '../../support/image-builder.js';
import { tempDir } from '../../support/temp-dir.js';
import {
  compressTar,
  END_OF_ARCHIVE,
  gnuLongEntry,
  layerOf,
  MEDIA_TYPE,
  paxEntry,
  rawEntry,
  sha256,
  streamOf,
  type Compression,
  type TestLayer,
} from '../../fixtures/layers/layer-blobs.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';

failOnUnhandledErrors();

/** Records every entry (and the content it got) for a given want. */
function recorder(want: (entry: LayerEntry) => Want = () => 'header', id = 'rec') {
  const entries: Array<{ entry: LayerEntry; content?: Buffer }> = [];
  const consumer: EntryConsumer = {
    id,
    wants: want,
    onEntry(entry, content) {
      entries.push({ entry, content: content === undefined ? undefined : Buffer.from(content) });
    },
  };
  return { consumer, entries };
}

async function walk(
  test: TestLayer,
  consumers: EntryConsumer[] = [],
  options: WalkLayerOptions = {},
  chunk?: number,
): Promise<LayerWalkResult> {
  return walkLayer(streamOf(test.data, chunk), test.layer, consumers, options);
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isPushgateError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected the walk to fail');
}

const FILES: FileSpec[] = [
  { path: 'etc', type: 'dir' },
  { path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
  { path: 'bin', type: 'dir' },
  { path: 'bin/busybox', content: Buffer.alloc(3000, 7), mode: 0o755 },
  { path: 'bin/sh', type: 'hardlink', target: 'bin/busybox' },
  { path: 'bin/ls', type: 'symlink', target: 'busybox' },
  { path: 'etc/gone', type: 'whiteout' },
  { path: 'var/cache', type: 'opaque' },
];

describe('walkLayer formats', () => {
  for (const compression of ['gzip', 'zstd', 'none'] as Compression[]) {
    it(`reads a ${compression} layer, verifies it and records every entry`, async () => {
      const tar = await tarLayer(FILES);
      const test = layerOf(compressTar(tar, compression), MEDIA_TYPE[compression]);
      const rec = recorder();
      const result = await walk(test, [rec.consumer], {}, 700);
      expect(result.compressedSize).toBe(test.data.length);
      expect(result.uncompressedSize).toBe(tar.length);
      expect(result.entryCount).toBe(8);
      expect(result.warnings).toEqual([]);
      expect(rec.entries.map((e) => [e.entry.path, e.entry.type])).toEqual([
        ['etc', 'directory'],
        ['etc/passwd', 'file'],
        ['bin', 'directory'],
        ['bin/busybox', 'file'],
        ['bin/sh', 'hardlink'],
        ['bin/ls', 'symlink'],
        ['etc/gone', 'whiteout'],
        ['var/cache', 'opaque'],
      ]);
      const busybox = rec.entries[3].entry;
      expect(busybox).toMatchObject({ size: 3000, mode: 0o755, uid: 0, gid: 0 });
      expect(rec.entries[4].entry.linkname).toBe('bin/busybox');
      expect(rec.entries[5].entry.linkname).toBe('busybox');
      expect(result.table.paths).toEqual(rec.entries.map((e) => e.entry.path));
      expect(result.table.kinds).toBe('dfdfhlwo');
      expect(result.table.sizes).toEqual([0, 26, 0, 3000, 0, 0, 0, 0]);
      expect(result.table.links).toEqual({ 4: 'bin/busybox', 5: 'busybox' });
    });
  }

  it('sniffs a gzip layer mislabelled as plain tar and warns', async () => {
    const tar = await tarLayer([{ path: 'a', content: 'x' }]);
    const test = layerOf(compressTar(tar, 'gzip'), MEDIA_TYPE.none);
    const result = await walk(test);
    expect(result.table.paths).toEqual(['a']);
    expect(result.warnings).toEqual(['media type says none but the content is gzip']);
  });

  it('reads a zstd layer labelled gzip, and a plain tar labelled zstd', async () => {
    const tar = await tarLayer([{ path: 'a', content: 'x' }]);
    expect((await walk(layerOf(compressTar(tar, 'zstd'), MEDIA_TYPE.gzip))).table.paths).toEqual(['a']);
    const plain = await walk(layerOf(tar, MEDIA_TYPE.zstd));
    expect(plain.table.paths).toEqual(['a']);
    expect(plain.warnings).toEqual(['media type says zstd but the content is not compressed']);
  });

  it('accepts Docker media types and an empty layer', async () => {
    const tar = await tarLayer([]);
    const result = await walk(
      layerOf(compressTar(tar, 'gzip'), 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
    );
    expect(result.entryCount).toBe(0);
    expect(result.table.kinds).toBe('');
  });

  it('refuses a media type that is not a filesystem layer, naming it', async () => {
    const test = layerOf(Buffer.from('{}'), 'application/vnd.in-toto+json');
    const source = streamOf(test.data);
    const err = await failure(walkLayer(source, test.layer, []));
    expect(err.code).toBe('LAYER_UNSUPPORTED');
    expect(err.message).toContain('application/vnd.in-toto+json');
    expect(source.destroyed).toBe(true);
  });

  it('verifies sha512 digests and refuses unknown algorithms', async () => {
    const tar = await tarLayer([{ path: 'a', content: 'x' }]);
    const { createHash } = await import('node:crypto');
    const digest = `sha512:${createHash('sha512').update(tar).digest('hex')}`;
    const ok = await walk(layerOf(tar, MEDIA_TYPE.none, { digest }));
    expect(ok.entryCount).toBe(1);
    const bad = await failure(walk(layerOf(tar, MEDIA_TYPE.none, { digest: `sha512:${'0'.repeat(128)}` })));
    expect(bad.code).toBe('DIGEST_MISMATCH');
    const unknown = await failure(walk(layerOf(tar, MEDIA_TYPE.none, { digest: `md5:${'0'.repeat(32)}` })));
    expect(unknown.code).toBe('MANIFEST_INVALID');
    expect(unknown.message).toContain('unsupported algorithm');
  });
});

describe('walkLayer names and links', () => {
  it('applies PAX long names (>255 bytes), long link targets and large uid/gid', async () => {
    const long = `${'d'.repeat(120)}/${'e'.repeat(120)}/${'f'.repeat(60)}.txt`;
    const tar = Buffer.concat([
      paxEntry({ path: long, uid: '4000000000', gid: '3000000000' }),
      rawEntry({ name: 'short-placeholder', uid: 1 }, Buffer.from('hello')),
      paxEntry({ linkpath: `/${'t'.repeat(300)}` }),
      rawEntry({ name: 'link', typeflag: '2' }),
      END_OF_ARCHIVE,
    ]);
    const rec = recorder();
    await walk(layerOf(tar, MEDIA_TYPE.none), [rec.consumer], {}, 100);
    expect(rec.entries[0].entry).toMatchObject({ path: long, uid: 4000000000, gid: 3000000000, size: 5 });
    expect(rec.entries[1].entry).toMatchObject({
      path: 'link',
      type: 'symlink',
      linkname: `/${'t'.repeat(300)}`,
    });
  });

  it('applies GNU long names (L) and long link names (K)', async () => {
    const long = `usr/${'n'.repeat(300)}`;
    const tar = Buffer.concat([
      gnuLongEntry(long),
      rawEntry({ name: long.slice(0, 100), format: 'gnu' }, Buffer.from('abc')),
      gnuLongEntry(`${long}-link`),
      gnuLongEntry(long, 'K'),
      rawEntry({ name: 'x', typeflag: '1', linkname: 'short', format: 'gnu' }),
      END_OF_ARCHIVE,
    ]);
    const rec = recorder();
    const result = await walk(layerOf(tar, MEDIA_TYPE.none), [rec.consumer], {}, 333);
    expect(rec.entries.map((e) => [e.entry.path, e.entry.type, e.entry.linkname])).toEqual([
      [long, 'file', undefined],
      [`${long}-link`, 'hardlink', long],
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('reads what GNU tar writes in gnu, posix and ustar formats', async () => {
    const dir = await tempDir('walk-gnutar-');
    const root = join(dir.path, 'root');
    // 191 bytes: over ustar's 100-byte name, within its 255-byte prefix+name.
    const deep = join(root, 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'file.txt'), 'deep');
    writeFileSync(join(root, 'top'), 'top');
    symlinkSync('top', join(root, 'sym'));
    try {
      for (const format of ['gnu', 'posix', 'ustar']) {
        const tarPath = join(dir.path, `${format}.tar`);
        execFileSync('tar', [`--format=${format}`, '--sort=name', '-cf', tarPath, '-C', root, '.']);
        const rec = recorder();
        const result = await walk(layerOf(readFileSync(tarPath), MEDIA_TYPE.none), [rec.consumer]);
        const byPath = new Map(rec.entries.map((e) => [e.entry.path, e.entry]));
        expect(byPath.get('')?.type, format).toBe('directory');
        expect(
          byPath.get(`${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(60)}/file.txt`)?.size,
          format,
        ).toBe(4);
        expect(byPath.get('sym')?.linkname, format).toBe('top');
        expect(result.warnings, format).toEqual([]);
      }
    } finally {
      await dir.remove();
    }
  });

  it('normalises names: leading / and ./, doubled and trailing slashes', async () => {
    const tar = Buffer.concat([
      rawEntry({ name: './', typeflag: '5' }),
      rawEntry({ name: '/abs/x' }),
      rawEntry({ name: './rel//y/', typeflag: '5' }),
      rawEntry({ name: 'a/./b' }),
      rawEntry({ name: 'h', typeflag: '1', linkname: '/abs/x' }),
      END_OF_ARCHIVE,
    ]);
    const result = await walk(layerOf(tar, MEDIA_TYPE.none));
    expect(result.table.paths).toEqual(['', 'abs/x', 'rel/y', 'a/b', 'h']);
    expect(result.table.links).toEqual({ 4: 'abs/x' });
    expect(result.warnings).toEqual([]);
  });

  it('refuses names with .. components or NUL bytes, quoting them', async () => {
    const dotdot = await failure(
      walk(
        layerOf(Buffer.concat([rawEntry({ name: 'a/../../etc/passwd' }), END_OF_ARCHIVE]), MEDIA_TYPE.none),
      ),
    );
    expect(dotdot.code).toBe('LAYER_CORRUPT');
    expect(dotdot.message).toContain('"a/../../etc/passwd"');
    const nul = await failure(
      walk(
        layerOf(
          Buffer.concat([paxEntry({ path: 'etc/pass\0wd' }), rawEntry({ name: 'x' }), END_OF_ARCHIVE]),
          MEDIA_TYPE.none,
        ),
      ),
    );
    expect(nul.code).toBe('LAYER_CORRUPT');
    expect(nul.message).toContain('"etc/pass\\u0000wd"');
    const gnuNul = await failure(
      walk(
        layerOf(
          Buffer.concat([gnuLongEntry(Buffer.from('a\0b')), rawEntry({ name: 'x' }), END_OF_ARCHIVE]),
          MEDIA_TYPE.none,
        ),
      ),
    );
    expect(gnuNul.code).toBe('LAYER_CORRUPT');
    const link = await failure(
      walk(
        layerOf(
          Buffer.concat([rawEntry({ name: 'h', typeflag: '1', linkname: '../../x' }), END_OF_ARCHIVE]),
          MEDIA_TYPE.none,
        ),
      ),
    );
    expect(link.code).toBe('LAYER_CORRUPT');
    expect(link.message).toContain('hard link');
  });

  it('maps whiteouts, warns on invalid ones and skips aufs metadata', async () => {
    const tar = await tarLayer([
      { path: 'usr/lib/.wh.libfoo.so', content: '' },
      { path: '.wh.top', content: '' },
      { path: 'opt/.wh..wh..opq', content: '' },
      { path: '.wh..wh..opq', content: '' },
      { path: 'x/.wh.', content: '' },
      { path: '.wh..wh..plnk/123', content: '' },
      { path: '.wh..wh.aufs', content: '' },
    ]);
    const rec = recorder();
    const result = await walk(layerOf(tar, MEDIA_TYPE.none), [rec.consumer]);
    expect(rec.entries.map((e) => [e.entry.path, e.entry.type])).toEqual([
      ['usr/lib/libfoo.so', 'whiteout'],
      ['top', 'whiteout'],
      ['opt', 'opaque'],
      ['', 'opaque'],
    ]);
    expect(result.table.kinds).toBe('wwoo');
    expect(result.entryCount).toBe(7);
    expect(result.warnings).toEqual([
      'invalid whiteout "x/.wh." ignored',
      'aufs metadata entry ".wh..wh..plnk/123" ignored',
      'aufs metadata entry ".wh..wh.aufs" ignored',
    ]);
  });

  it('warns on duplicate paths (both rows kept) and hard links to missing targets', async () => {
    const tar = await tarLayer([
      { path: 'a', content: 'one' },
      { path: 'a', content: 'two!' },
      { path: 'h', type: 'hardlink', target: 'nowhere' },
    ]);
    const result = await walk(layerOf(tar, MEDIA_TYPE.none));
    expect(result.table.paths).toEqual(['a', 'a', 'h']);
    expect(result.table.sizes).toEqual([3, 4, 0]);
    expect(result.warnings).toEqual([
      'duplicate entry "a" (the later one wins)',
      'hard link "h" points to "nowhere", which is not earlier in the layer',
    ]);
  });
});

describe('walkLayer content', () => {
  it('gives each consumer its own prefix, caps at maxContentBytesPerFile and drains the rest', async () => {
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const tar = await tarLayer([
      { path: 'big', content: big },
      { path: 'small', content: 'tiny' },
      { path: 'after', content: 'still parsed' },
      { path: 'd', type: 'dir' },
    ]);
    const a = recorder(() => ({ content: 10 }), 'a');
    const b = recorder((e) => (e.path === 'after' ? false : { content: 150_000 }), 'b');
    const c = recorder(() => 'header', 'c');
    const result = await walk(
      layerOf(compressTar(tar, 'gzip'), MEDIA_TYPE.gzip),
      [a.consumer, b.consumer, c.consumer],
      {
        limits: { maxContentBytesPerFile: 100_000 },
      },
      4096,
    );
    expect(result.uncompressedSize).toBe(tar.length);
    expect(a.entries.map((e) => e.content?.length)).toEqual([10, 4, 10, undefined]);
    expect(a.entries[0].content).toEqual(big.subarray(0, 10));
    expect(a.entries[2].content?.toString()).toBe('still pars');
    expect(b.entries.map((e) => e.entry.path)).toEqual(['big', 'small', 'd']);
    expect(b.entries[0].content).toEqual(big.subarray(0, 100_000));
    expect(b.entries[1].content?.toString()).toBe('tiny');
    expect(c.entries.map((e) => e.content)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('awaits async consumers in order before reading on', async () => {
    const tar = await tarLayer([
      { path: 'one', content: '1' },
      { path: 'two', content: '2' },
    ]);
    const log: string[] = [];
    const slow: EntryConsumer = {
      id: 'slow',
      wants: () => ({ content: 1 }),
      async onEntry(entry) {
        log.push(`slow:start:${entry.path}`);
        await new Promise((r) => setTimeout(r, 20));
        log.push(`slow:end:${entry.path}`);
      },
    };
    const fast: EntryConsumer = {
      id: 'fast',
      wants: () => 'header',
      onEntry(entry) {
        log.push(`fast:${entry.path}`);
      },
    };
    await walk(layerOf(tar, MEDIA_TYPE.none), [slow, fast]);
    expect(log).toEqual([
      'slow:start:one',
      'slow:end:one',
      'fast:one',
      'slow:start:two',
      'slow:end:two',
      'fast:two',
    ]);
  });

  it('reports progress', async () => {
    const tar = await tarLayer([{ path: 'a', content: Buffer.alloc(100_000) }]);
    const test = layerOf(compressTar(tar, 'gzip'), MEDIA_TYPE.gzip);
    const seen: Array<{ compressedBytes: number; uncompressedBytes: number; entries: number }> = [];
    await walk(test, [], { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({
      compressedBytes: test.data.length,
      uncompressedBytes: tar.length,
      entries: 1,
    });
  });
});

describe('walkLayer integrity and failures', () => {
  async function gzLayer(): Promise<{ tar: Buffer; gz: Buffer }> {
    const tar = await tarLayer([
      { path: 'a', content: Buffer.alloc(50_000, 1) },
      { path: 'b', content: 'b' },
    ]);
    return { tar, gz: compressTar(tar, 'gzip') };
  }

  it('rejects a digest mismatch after reading everything', async () => {
    const { gz } = await gzLayer();
    const test = layerOf(gz, MEDIA_TYPE.gzip, { digest: `sha256:${'a'.repeat(64)}` });
    const rec = recorder();
    const err = await failure(walk(test, [rec.consumer]));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toContain(`layer sha256:${'a'.repeat(64)}`);
  });

  /** `test` with the config's diff_id for it, as layer `index` of an image. */
  function withDiffId(test: TestLayer, diffId: string, index = 2): TestLayer {
    return { ...test, layer: { ...test.layer, info: { ...test.layer.info, index, diffId } } };
  }

  it.each(['gzip', 'zstd', 'none'] as const)(
    'checks the uncompressed %s layer against its diff_id, naming the layer and both digests',
    async (compression) => {
      const { tar } = await gzLayer();
      const blob = compressTar(tar, compression);
      const ok = await walk(withDiffId(layerOf(blob, MEDIA_TYPE[compression]), sha256(tar)));
      expect(ok.entryCount).toBe(2);

      const wrong = `sha256:${'b'.repeat(64)}`;
      const err = await failure(
        walk(withDiffId(layerOf(blob, MEDIA_TYPE[compression]), wrong), [], {}, 1000),
      );
      expect(err.code).toBe('DIGEST_MISMATCH');
      expect(err.message).toContain(`rootfs.diff_ids[2] says ${wrong}`);
      expect(err.message).toContain(`uncompressed content digest is ${sha256(tar)}`);
      expect(err.message).toContain(sha256(blob));
    },
  );

  it('checks a sha512 diff_id, refuses a malformed one, and reports a bad blob digest first', async () => {
    const { tar, gz } = await gzLayer();
    const { createHash } = await import('node:crypto');
    const sha512 = `sha512:${createHash('sha512').update(tar).digest('hex')}`;
    expect((await walk(withDiffId(layerOf(gz, MEDIA_TYPE.gzip), sha512))).entryCount).toBe(2);
    const malformed = await failure(walk(withDiffId(layerOf(gz, MEDIA_TYPE.gzip), 'sha256:abc')));
    expect(malformed.code).toBe('MANIFEST_INVALID');
    expect(malformed.message).toContain('rootfs.diff_ids[2]');
    const both = withDiffId(layerOf(gz, MEDIA_TYPE.gzip, { digest: `sha256:${'a'.repeat(64)}` }), sha512);
    const err = await failure(walk(both));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toContain('content digest is');
    expect(err.message).not.toContain('diff_ids');
  });

  it('gives a layer failing its diff_id its bytes back from the image budget', async () => {
    const { tar, gz } = await gzLayer();
    const budget = new ImageBudget(10 * tar.length);
    await failure(
      walk(withDiffId(layerOf(gz, MEDIA_TYPE.gzip), `sha256:${'c'.repeat(64)}`), [], { imageBudget: budget }),
    );
    expect(budget.remainingUncompressedBytes).toBe(10 * tar.length);
  });

  it('trusts a source that checks the blob digest itself, and still fails when that check fails', async () => {
    const { gz } = await gzLayer();
    const test = layerOf(gz, MEDIA_TYPE.gzip);
    const checking = (digest: string): DigestCheckStream => {
      const stream = new DigestCheckStream({ digest, size: gz.length, what: 'pull blob' });
      streamOf(gz).pipe(stream);
      return stream;
    };
    const right = checking(test.layer.descriptor.digest);
    expect(sourceChecksDigest(right, test.layer.descriptor)).toBe(true);
    expect((await walkLayer(right, test.layer, [])).entryCount).toBeGreaterThan(0);
    // The source checks another digest than the descriptor's: the walker hashes, and refuses.
    const other = checking(`sha256:${'1'.repeat(64)}`);
    expect(sourceChecksDigest(other, test.layer.descriptor)).toBe(false);
    expect((await failure(walkLayer(other, test.layer, []))).code).toBe('DIGEST_MISMATCH');
    // The descriptor itself is wrong and the source says so at the end: the walk fails with it.
    const lying = layerOf(gz, MEDIA_TYPE.gzip, { digest: `sha256:${'2'.repeat(64)}` });
    const err = await failure(walkLayer(checking(lying.layer.descriptor.digest), lying.layer, []));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toContain('pull blob');
    // A stream that only counts (hash: false) is not a check.
    const counting = new DigestCheckStream({ ...test.layer.descriptor, what: 'x', hash: false });
    expect(sourceChecksDigest(counting, test.layer.descriptor)).toBe(false);
  });

  it('rejects a blob longer than its size at once, and a shorter one at the end', async () => {
    const { gz } = await gzLayer();
    const long = await failure(walk(layerOf(gz, MEDIA_TYPE.gzip, { size: 100 }), [], {}, 64));
    expect(long.code).toBe('SIZE_MISMATCH');
    expect(long.message).toContain('longer than its declared size 100');
    const short = await failure(
      walk(layerOf(gz.subarray(0, gz.length - 10), MEDIA_TYPE.gzip, { size: gz.length })),
    );
    expect(short.code).toBe('SIZE_MISMATCH');
  });

  it('rejects truncated and corrupt gzip, corrupt zstd and garbage tar as LAYER_CORRUPT', async () => {
    const { tar, gz } = await gzLayer();
    const truncated = await failure(walk(layerOf(gz.subarray(0, gz.length - 30), MEDIA_TYPE.gzip)));
    expect(truncated.code).toBe('LAYER_CORRUPT');
    expect(truncated.message).toMatch(/^layer sha256:[0-9a-f]{64}: /);

    const corrupt = Buffer.from(gz);
    for (let i = 20; i < 200; i++) corrupt[i] ^= 0x5a;
    expect((await failure(walk(layerOf(corrupt, MEDIA_TYPE.gzip)))).code).toBe('LAYER_CORRUPT');

    const zst = compressTar(tar, 'zstd');
    const badZstd = Buffer.from(zst);
    for (let i = 10; i < badZstd.length - 10; i += 7) badZstd[i] ^= 0xff;
    expect((await failure(walk(layerOf(badZstd, MEDIA_TYPE.zstd)))).code).toBe('LAYER_CORRUPT');
    const cutZstd = await failure(walk(layerOf(zst.subarray(0, zst.length - 20), MEDIA_TYPE.zstd)));
    expect(cutZstd.code).toBe('LAYER_CORRUPT');

    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256;
    const notTar = await failure(walk(layerOf(garbage, MEDIA_TYPE.none)));
    expect(notTar.code).toBe('LAYER_CORRUPT');
    expect(notTar.message).toContain('checksum');

    const cutTar = await failure(walk(layerOf(tar.subarray(0, 700), MEDIA_TYPE.none)));
    expect(cutTar.code).toBe('LAYER_CORRUPT');
    expect(cutTar.message).toContain('unexpected end of data in entry "a"');
  });

  it('rejects negative base-256 sizes and non-octal numbers', async () => {
    const negative = Buffer.alloc(12, 0xff);
    const neg = await failure(
      walk(
        layerOf(
          Buffer.concat([rawEntry({ name: 'a', sizeField: negative }), END_OF_ARCHIVE]),
          MEDIA_TYPE.none,
        ),
      ),
    );
    expect(neg.code).toBe('LAYER_CORRUPT');
    expect(neg.message).toContain('negative size');
    const junk = Buffer.from('12x45678901\0');
    const nonOctal = await failure(
      walk(
        layerOf(Buffer.concat([rawEntry({ name: 'a', sizeField: junk }), END_OF_ARCHIVE]), MEDIA_TYPE.none),
      ),
    );
    expect(nonOctal.code).toBe('LAYER_CORRUPT');
  });

  it('rejects a lone zero block followed by entries and warns on data after the end marker', async () => {
    const hidden = Buffer.concat([
      rawEntry({ name: 'a' }),
      Buffer.alloc(512),
      rawEntry({ name: 'hidden' }),
      END_OF_ARCHIVE,
    ]);
    expect((await failure(walk(layerOf(hidden, MEDIA_TYPE.none)))).code).toBe('LAYER_CORRUPT');
    const trailing = Buffer.concat([rawEntry({ name: 'a' }), END_OF_ARCHIVE, Buffer.from('junk')]);
    const result = await walk(layerOf(trailing, MEDIA_TYPE.none));
    expect(result.table.paths).toEqual(['a']);
    expect(result.warnings[0]).toContain('non-zero data after the tar end-of-archive marker');
  });

  it('rejects cleanly when a consumer throws or its promise rejects', async () => {
    const { gz } = await gzLayer();
    const sync: EntryConsumer = {
      id: 'boom',
      wants: () => 'header',
      onEntry(entry) {
        if (entry.path === 'b') throw new Error('kaput');
      },
    };
    const err = await failure(walk(layerOf(gz, MEDIA_TYPE.gzip), [sync]));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toContain('consumer boom failed on "b": kaput');

    const asyncConsumer: EntryConsumer = {
      id: 'later',
      wants: () => ({ content: 5 }),
      onEntry: async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('nope');
      },
    };
    expect((await failure(walk(layerOf(gz, MEDIA_TYPE.gzip), [asyncConsumer]))).message).toContain(
      'consumer later',
    );

    const wantsThrows: EntryConsumer = {
      id: 'picky',
      wants: () => {
        throw new Error('bad want');
      },
      onEntry: () => undefined,
    };
    expect((await failure(walk(layerOf(gz, MEDIA_TYPE.gzip), [wantsThrows]))).message).toContain(
      'consumer picky',
    );
  });

  it('rejects promptly and destroys a source that never ends when a consumer fails', async () => {
    const { tar } = await gzLayer();
    const test = layerOf(tar, MEDIA_TYPE.none, { size: tar.length * 10 });
    let sent = false;
    const source = new Readable({
      read() {
        // Everything but the end-of-archive marker: the entries complete, then the source stalls.
        if (!sent) this.push(tar.subarray(0, tar.length - 1024));
        sent = true;
      },
    });
    const consumer: EntryConsumer = {
      id: 'boom',
      wants: () => 'header',
      onEntry: () => {
        throw new Error('stop');
      },
    };
    const err = await failure(walkLayer(source, test.layer, [consumer]));
    expect(err.message).toContain('stop');
    expect(source.destroyed).toBe(true);
  });

  it('wraps source errors and honours an abort signal', async () => {
    const { gz } = await gzLayer();
    const test = layerOf(gz, MEDIA_TYPE.gzip);
    let n = 0;
    const broken = new Readable({
      read() {
        if (n++ === 0) this.push(gz.subarray(0, 100));
        else this.destroy(new Error('connection reset'));
      },
    });
    const err = await failure(walkLayer(broken, test.layer, []));
    expect(err.message).toContain('connection reset');
    expect(err.message).toContain(test.layer.descriptor.digest);

    const controller = new AbortController();
    const stalled = new Readable({ read() {} });
    const pending = walkLayer(stalled, test.layer, [], { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toThrow(/abort/i);
    expect(stalled.destroyed).toBe(true);
  });
});
