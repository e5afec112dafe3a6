import { join } from 'node:path';

import type { HostileCase } from '../hostile-case.js';
import { writeRepeatedGzipLayerFile, type LayerFile } from '../support/big-layers.js';
import { configBlob, writeLayoutOf } from '../support/raw-images.js';
import { END_OF_ARCHIVE, rawEntry, rawHeader } from '../../fixtures/layers/layer-blobs.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const PIECE = 16 * MiB;

async function layoutWithLayerFile(dir: string, layer: LayerFile): Promise<string> {
  const target = join(dir, 'layout');
  await writeLayoutOf(
    target,
    { config: configBlob([layer.diffId]), layers: [], files: [{ digest: layer.digest, path: layer.path }] },
    [layer],
  );
  return target;
}

/**
 * Classics that hold: layers that expand a thousandfold are streamed, never buffered (peak RSS
 * stays flat), and an entry that declares an absurd size is refused before it is read.
 */
export const compressionBombCases: HostileCase[] = [
  {
    id: 'gzip-bomb-1gib',
    title: 'a 1 MiB gzip layer that expands to 1 GiB of zeros (64 files) is streamed',
    async build(ctx) {
      const zeros = Buffer.alloc(PIECE);
      const layer = await writeRepeatedGzipLayerFile(join(ctx.dir, 'bomb.gz'), [
        { raw: Buffer.concat([rawHeader({ name: 'zeros', size: PIECE }), zeros]), times: GiB / PIECE },
        { raw: END_OF_ARCHIVE, times: 1 },
      ]);
      return { args: ['scan', `oci:${await layoutWithLayerFile(ctx.dir, layer)}`] };
    },
    expect: { exit: 0 },
    testTimeoutMs: 180_000,
  },
  {
    id: 'huge-single-entry-1gib',
    title: 'one 1 GiB file in a 1 MiB gzip layer is streamed',
    async build(ctx) {
      const zeros = Buffer.alloc(PIECE);
      const layer = await writeRepeatedGzipLayerFile(join(ctx.dir, 'huge.gz'), [
        { raw: Buffer.concat([rawHeader({ name: 'usr/lib/huge.bin', size: GiB }), zeros]), times: 1 },
        { raw: zeros, times: GiB / PIECE - 1 },
        { raw: END_OF_ARCHIVE, times: 1 },
      ]);
      return { args: ['scan', `oci:${await layoutWithLayerFile(ctx.dir, layer)}`] };
    },
    expect: { exit: 0 },
    testTimeoutMs: 180_000,
  },
  {
    id: 'entry-declares-128-tib',
    title: 'an entry whose base-256 size field says 128 TiB is refused before reading (LAYER_LIMIT)',
    async build(ctx) {
      const field = Buffer.alloc(12);
      field[0] = 0x80;
      field.writeUIntBE(2 ** 47, 6, 6);
      const tar = Buffer.concat([rawEntry({ name: 'huge', sizeField: field }), END_OF_ARCHIVE]);
      const layer = await writeRepeatedGzipLayerFile(join(ctx.dir, 'absurd.gz'), [{ raw: tar, times: 1 }]);
      return { args: ['scan', `oci:${await layoutWithLayerFile(ctx.dir, layer)}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[LAYER_LIMIT\]/] },
  },
];
