import { describe, expect, it } from 'vitest';

import { LayerStack } from '../../../src/inspect/layer-stack.js';
import { LayerTableBuilder } from '../../../src/inspect/layer-table-builder.js';
import type { EntryType, LayerTable } from '../../../src/inspect/types.js';
import { walkLayer } from '../../../src/inspect/walk-layer.js';
import { tarLayer, type FileSpec } from '../../support/image-builder.js';
import { compressTar, layerOf, MEDIA_TYPE, streamOf } from '../../fixtures/layers/layer-blobs.js';

type Row = [path: string, type: EntryType, size?: number, link?: string];

function table(rows: Row[]): LayerTable {
  const builder = new LayerTableBuilder();
  for (const [path, type, size = 0, link] of rows) builder.add(path, type, size, 0o644, link);
  return builder.build();
}

describe('LayerStack', () => {
  it('reports deleted (whiteout), replaced and present fates with the layer responsible', () => {
    const stack = new LayerStack([
      table([
        ['etc', 'directory'],
        ['etc/secret', 'file', 100],
        ['etc/keep', 'file', 10],
        ['app', 'directory'],
        ['app/a.js', 'file', 50],
      ]),
      table([
        ['etc/secret', 'whiteout'],
        ['app/a.js', 'file', 70],
      ]),
      table([['etc/new', 'file', 5]]),
    ]);
    expect(stack.fate(0, 'etc/secret')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, '/app/a.js')).toEqual({ state: 'replaced', byLayer: 1 });
    expect(stack.fate(0, 'etc/keep')).toEqual({ state: 'present' });
    expect(stack.fate(1, 'app/a.js')).toEqual({ state: 'present' });
    expect(stack.fate(2, 'etc/new')).toEqual({ state: 'present' });
    expect(stack.fate(2, 'etc/keep')).toBeUndefined();
    expect(stack.lookup('etc/secret')).toBeUndefined();
    expect(stack.lookup('/app/a.js')).toEqual({ layer: 1, kind: 'file', size: 70, mode: 0o644 });
    expect(stack.bytesAdded(0)).toBe(160);
    expect(stack.bytesAdded(1)).toBe(70);
    expect(stack.bytesRemoved(1)).toBe(150);
    expect(stack.bytesRemoved(2)).toBe(0);
    expect(stack.wastedBytes).toBe(150);
    expect(stack.finalBytes).toBe(85);
    expect(stack.finalFileCount).toBe(3);
    expect(stack.finalEntryCount).toBe(5);
    expect([...stack.visibleEntries()].map((e) => e.path).sort()).toEqual([
      'app',
      'app/a.js',
      'etc',
      'etc/keep',
      'etc/new',
    ]);
  });

  it('whiteout of a directory deletes its whole lower tree, including implicit parents', () => {
    const stack = new LayerStack([
      table([
        ['opt/tool/bin/x', 'file', 1],
        ['opt/tool/lib/y', 'file', 2],
        ['opt/other', 'file', 4],
      ]),
      table([['opt/tool', 'whiteout']]),
    ]);
    expect(stack.fate(0, 'opt/tool/bin/x')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, 'opt/tool/lib/y')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, 'opt/other')).toEqual({ state: 'present' });
    expect(stack.resolve('opt/tool')).toBeUndefined();
    expect(stack.resolve('opt')?.entry.layer).toBe(-1);
    expect(stack.bytesRemoved(1)).toBe(3);
  });

  it('whiteouts never hide entries of their own layer', () => {
    const stack = new LayerStack([
      table([['a', 'file', 1]]),
      table([
        ['a', 'file', 2],
        ['a', 'whiteout'],
      ]),
    ]);
    expect(stack.fate(0, 'a')).toEqual({ state: 'replaced', byLayer: 1 });
    expect(stack.fate(1, 'a')).toEqual({ state: 'present' });
    expect(stack.lookup('a')?.size).toBe(2);
  });

  it('opaque markers hide lower children only, whatever their position in the layer', () => {
    const stack = new LayerStack([
      table([
        ['var', 'directory'],
        ['var/cache', 'directory'],
        ['var/cache/old', 'file', 9],
        ['var/cache/sub/deep', 'file', 1],
        ['var/log', 'file', 3],
      ]),
      table([
        ['var/cache/fresh', 'file', 4],
        ['var/cache', 'opaque'],
      ]),
    ]);
    expect(stack.fate(0, 'var/cache/old')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, 'var/cache/sub/deep')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, 'var/cache')).toEqual({ state: 'present' });
    expect(stack.fate(0, 'var/log')).toEqual({ state: 'present' });
    expect(stack.fate(1, 'var/cache/fresh')).toEqual({ state: 'present' });
    expect(stack.lookup('var/cache/fresh')?.layer).toBe(1);
    expect(stack.lookup('var/cache')?.layer).toBe(0);
  });

  it('a non-directory over a directory removes the lower tree; a directory over a directory keeps it', () => {
    const stack = new LayerStack([
      table([
        ['d', 'directory'],
        ['d/f', 'file', 8],
        ['e', 'directory'],
        ['e/g', 'file', 16],
      ]),
      table([
        ['d', 'symlink', 0, '/elsewhere'],
        ['e', 'directory'],
      ]),
    ]);
    expect(stack.fate(0, 'd')).toEqual({ state: 'replaced', byLayer: 1 });
    expect(stack.fate(0, 'd/f')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, 'e')).toEqual({ state: 'replaced', byLayer: 1 });
    expect(stack.fate(0, 'e/g')).toEqual({ state: 'present' });
    expect(stack.wastedBytes).toBe(8);
  });

  it('counts a duplicate path inside a layer as replaced by that layer, not as removed from below', () => {
    const stack = new LayerStack([
      table([
        ['a', 'file', 5],
        ['a', 'file', 7],
      ]),
    ]);
    expect(stack.fate(0, 'a')).toEqual({ state: 'present' });
    expect(stack.fateOfRow(0, 0)).toEqual({ state: 'replaced', byLayer: 0 });
    expect(stack.bytesAdded(0)).toBe(12);
    expect(stack.bytesRemoved(0)).toBe(0);
    expect(stack.wastedBytes).toBe(5);
    expect(stack.finalBytes).toBe(7);
  });

  it('a root opaque marker hides every lower entry', () => {
    const stack = new LayerStack([
      table([
        ['a/b', 'file', 1],
        ['c', 'file', 1],
      ]),
      table([
        ['', 'opaque'],
        ['z', 'file', 1],
      ]),
    ]);
    expect([...stack.visibleEntries()].map((e) => e.path)).toEqual(['z']);
  });

  it('resolves symlinks (relative, absolute, chained, through directories) and hard links', () => {
    const stack = new LayerStack([
      table([
        ['bin', 'directory'],
        ['bin/busybox', 'file', 900],
        ['bin/sh', 'symlink', 0, 'busybox'],
        ['bin/ash', 'hardlink', 0, 'bin/busybox'],
        ['usr/bin/env', 'file', 10],
        ['usr/local/bin', 'symlink', 0, '../bin'],
        ['sbin', 'symlink', 0, '/usr/local/bin'],
        ['loop1', 'symlink', 0, 'loop2'],
        ['loop2', 'symlink', 0, '/loop1'],
        ['dangling', 'symlink', 0, 'nowhere'],
        ['up', 'symlink', 0, '../../../bin/sh'],
      ]),
    ]);
    expect(stack.resolve('/bin/sh')).toEqual({
      path: 'bin/busybox',
      entry: { layer: 0, kind: 'file', size: 900, mode: 0o644 },
    });
    expect(stack.resolve('bin/ash')?.path).toBe('bin/busybox');
    expect(stack.resolve('/sbin/env')?.path).toBe('usr/bin/env');
    expect(stack.resolve('usr/local/bin/../bin/env')?.path).toBe('usr/bin/env');
    expect(stack.resolve('up')?.path).toBe('bin/busybox');
    expect(stack.resolve('loop1')).toBeUndefined();
    expect(stack.resolve('dangling')).toBeUndefined();
    expect(stack.resolve('bin/busybox/x')).toBeUndefined();
    expect(stack.lookup('bin/sh')).toEqual({
      layer: 0,
      kind: 'symlink',
      size: 0,
      mode: 0o644,
      link: 'busybox',
    });
    expect(stack.resolve('/')?.path).toBe('');
  });

  it('stacks 100k entries quickly', () => {
    const rows: Row[] = [];
    for (let d = 0; d < 1000; d++) for (let f = 0; f < 50; f++) rows.push([`usr/d${d}/f${f}`, 'file', 10]);
    const upper: Row[] = [];
    for (let d = 0; d < 1000; d += 2) upper.push([`usr/d${d}`, 'whiteout']);
    for (let d = 1; d < 1000; d += 2)
      for (let f = 0; f < 50; f++) upper.push([`usr/d${d}/f${f}`, 'file', 20]);
    const t0 = performance.now();
    const stack = new LayerStack([table(rows), table(upper)]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(stack.finalFileCount).toBe(25_000);
    expect(stack.bytesRemoved(1)).toBe(500_000);
    expect(stack.fate(0, 'usr/d2/f3')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, 'usr/d3/f3')).toEqual({ state: 'replaced', byLayer: 1 });
  });

  it('works on tables produced by walkLayer from real layers', async () => {
    const layers: FileSpec[][] = [
      [
        { path: 'app', type: 'dir' },
        { path: 'app/.env', content: 'SECRET=1' },
        { path: 'app/main.js', content: 'main' },
        { path: 'tmp', type: 'dir' },
        { path: 'tmp/build.o', content: 'obj' },
      ],
      [
        { path: 'app/.env', type: 'whiteout' },
        { path: 'tmp', type: 'opaque' },
        { path: 'tmp/x', content: 'x' },
      ],
    ];
    const tables: LayerTable[] = [];
    for (const files of layers) {
      const test = layerOf(compressTar(await tarLayer(files), 'gzip'), MEDIA_TYPE.gzip);
      tables.push((await walkLayer(streamOf(test.data), test.layer, [])).table);
    }
    const stack = new LayerStack(tables);
    expect(stack.fate(0, 'app/.env')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, 'tmp/build.o')).toEqual({ state: 'deleted', byLayer: 1 });
    expect(stack.fate(0, 'app/main.js')).toEqual({ state: 'present' });
    expect(stack.bytesRemoved(1)).toBe(11);
    expect([...stack.visibleEntries()].map((e) => e.path).sort()).toEqual([
      'app',
      'app/main.js',
      'tmp',
      'tmp/x',
    ]);
  });
});
