import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { HostileCase } from '../hostile-case.js';
import { configBlob, OCI, rawBlob, sha256, writeLayoutOf } from '../support/raw-images.js';
import { END_OF_ARCHIVE, rawEntry } from '../../fixtures/layers/layer-blobs.js';
import { archiveOf } from '../support/image-parts.js';

/** An OCI layout of one gzip layer per raw tar. */
async function layoutOfTars(dir: string, tars: Buffer[]): Promise<string> {
  const target = join(dir, 'layout');
  await writeLayoutOf(target, {
    config: configBlob(tars.map((t) => sha256(t))),
    layers: tars.map((t) => rawBlob(OCI.gzip, gzipSync(t))),
  });
  return target;
}

const tar = (...entries: Buffer[]): Buffer => Buffer.concat([...entries, END_OF_ARCHIVE]);

/**
 * Classics that hold: pushgate never extracts, so names that climb out of the root, links that
 * loop and whiteouts of the root itself are data to normalise, not paths to follow.
 */
export const filesystemTrickCases: HostileCase[] = [
  {
    id: 'dot-dot-entry-names',
    title: '../../etc/passwd and a/../../../x are refused as unsafe names (LAYER_CORRUPT)',
    async build(ctx) {
      const layer = tar(
        rawEntry({ name: 'etc/motd' }, Buffer.from('hello\n')),
        rawEntry({ name: '../../etc/passwd' }, Buffer.from('root:x:0:0::/root:/bin/sh\n')),
        rawEntry({ name: 'a/../../../x' }, Buffer.from('x')),
      );
      return { args: ['scan', `oci:${await layoutOfTars(ctx.dir, [layer])}`] };
    },
    expect: { exit: 3, stderrMatches: [/unsafe entry name/, /\[LAYER_CORRUPT\]/] },
  },
  {
    id: 'dot-dot-link-target',
    title: 'a hard link to ../../../etc/passwd is refused as an unsafe name (LAYER_CORRUPT)',
    async build(ctx) {
      const layer = tar(rawEntry({ name: 'hard', typeflag: '1', linkname: '../../../etc/passwd' }));
      return { args: ['scan', `oci:${await layoutOfTars(ctx.dir, [layer])}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[LAYER_CORRUPT\]/] },
  },
  {
    id: 'absolute-names-and-climbing-symlinks',
    title: '/etc/shadow, ./etc/x, an absolute symlink, a symlink climbing out of / and a file "through" it',
    async build(ctx) {
      const layer = tar(
        rawEntry({ name: '/etc/shadow' }, Buffer.from('root:*:19000:0:99999:7:::\n')),
        rawEntry({ name: './etc/issue' }, Buffer.from('hello\n')),
        rawEntry({ name: 'etc/hostname', typeflag: '2', linkname: '/etc/shadow' }),
        rawEntry({ name: 'up', typeflag: '2', linkname: '../../../../../../' }),
        rawEntry({ name: 'up/etc/cron.d/evil' }, Buffer.from('* * * * * root sh\n')),
        rawEntry({ name: 'usr/bin/cc', typeflag: '2', linkname: '/../../usr/bin/cc' }),
      );
      return { args: ['scan', `oci:${await layoutOfTars(ctx.dir, [layer])}`] };
    },
    expect: { exit: 0 },
  },
  {
    id: 'hard-link-loops',
    title: 'hard links to themselves, to each other, to a later entry and to a missing one',
    async build(ctx) {
      const layer = tar(
        rawEntry({ name: 'self', typeflag: '1', linkname: 'self' }),
        rawEntry({ name: 'a', typeflag: '1', linkname: 'b' }),
        rawEntry({ name: 'b', typeflag: '1', linkname: 'a' }),
        rawEntry({ name: 'c' }, Buffer.from('c')),
        rawEntry({ name: 'd', typeflag: '1', linkname: 'c' }),
        rawEntry({ name: 'c', typeflag: '1', linkname: 'd' }),
        rawEntry({ name: 'missing', typeflag: '1', linkname: 'nowhere/at/all' }),
        rawEntry({ name: 'sym-loop', typeflag: '2', linkname: 'sym-loop' }),
        rawEntry({ name: 's1', typeflag: '2', linkname: 's2' }),
        rawEntry({ name: 's2', typeflag: '2', linkname: 's1' }),
        rawEntry({ name: 'usr/bin/gcc', typeflag: '2', linkname: 'gcc' }),
      );
      return { args: ['scan', `oci:${await layoutOfTars(ctx.dir, [layer])}`] };
    },
    expect: { exit: 0 },
  },
  {
    id: 'duplicate-entry-in-one-layer',
    title: 'the same path three times in one layer (file, directory, file)',
    async build(ctx) {
      const layer = tar(
        rawEntry({ name: 'etc/passwd' }, Buffer.from('root:x:0:0::/root:/bin/sh\n')),
        rawEntry({ name: 'etc/passwd/', typeflag: '5', mode: 0o755 }),
        rawEntry({ name: 'etc/passwd' }, Buffer.from('app:x:1000:1000::/home/app:/bin/false\n')),
      );
      return { args: ['scan', `oci:${await layoutOfTars(ctx.dir, [layer])}`] };
    },
    expect: { exit: 0 },
  },
  {
    id: 'whiteout-of-the-root',
    title: 'opaque whiteouts of / (three spellings), whiteouts of "", "." and ".." over a first layer',
    async build(ctx) {
      const first = tar(rawEntry({ name: 'etc/os-release' }, Buffer.from('ID=debian\n')));
      const second = tar(
        rawEntry({ name: '.wh..wh..opq' }),
        rawEntry({ name: './.wh..wh..opq' }),
        rawEntry({ name: '/.wh..wh..opq' }),
        rawEntry({ name: '.wh.' }),
        rawEntry({ name: '.wh..' }),
        rawEntry({ name: '.wh...' }),
        rawEntry({ name: 'etc/.wh..wh..opq' }),
      );
      return { args: ['scan', `oci:${await layoutOfTars(ctx.dir, [first, second])}`] };
    },
    expect: { exit: 0 },
  },
  {
    id: 'secret-keyword-flood-10mb-line',
    title: 'a 10 MB single-line file of secret keywords stays fast',
    async build(ctx) {
      const unit = 'password=hunter2 token=abc aws_secret_access_key= api_key: secret=';
      const line = unit.repeat(Math.ceil((10 * 1024 * 1024) / unit.length));
      const file = await archiveOf(ctx.dir, {
        layers: [{ files: [{ path: 'srv/app/config.js', content: line }] }],
      });
      return { args: ['scan', `docker-archive:${file}`] };
    },
    expect: { exit: 0 },
    maxSeconds: 30,
  },
];
