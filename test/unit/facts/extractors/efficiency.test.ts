import type { FactExtractor } from '../../../../src/facts/extractor.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classifyCopies,
  efficiency,
  LARGEST_FILES,
  WASTED_BYTES_THRESHOLD,
} from '../../../../src/facts/extractors/efficiency.js';
import type { ImageFacts } from '../../../../src/facts/image-facts.js';
import { LayerStack } from '../../../../src/inspect/layer-stack.js';
import type { LayerInfo, LayerTable } from '../../../../src/inspect/types.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage, type FileSpec, type LayerSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';

const bytes = (n: number, fill = 'a'): string => fill.repeat(n);

async function scan(layers: LayerSpec[]): Promise<ImageFacts> {
  const { facts } = await scanBuiltImage(await buildImage({ layers }), {
    extractors: [efficiency as FactExtractor],
  });
  expectValidFacts(facts);
  return facts;
}

describe('efficiency extractor', () => {
  let facts: ImageFacts;
  beforeAll(async () => {
    facts = await scan([
      {
        createdBy: 'ADD base /',
        files: [
          { path: 'app/bundle.js', content: bytes(100) },
          { path: 'cache', type: 'dir' },
          { path: 'cache/x', content: bytes(50) },
          { path: 'cache/deep/y', content: bytes(70) },
          { path: 'opq/old', content: bytes(30) },
          { path: 'keep/big', content: bytes(400) },
          { path: 'keep/empty', content: '' },
        ],
      },
      {
        createdBy: 'RUN build v2',
        files: [
          { path: 'app/bundle.js', content: bytes(200) },
          { path: 'cache', type: 'whiteout' },
          { path: 'opq', type: 'opaque' },
          { path: 'opq/new', content: bytes(10) },
          { path: 'dup', content: bytes(5) },
          { path: 'dup', content: bytes(6) },
          { path: 'emptied', content: bytes(8) },
          { path: 'emptied', content: '' },
        ],
      },
      { createdBy: 'RUN build v3', files: [{ path: 'app/bundle.js', content: bytes(300) }] },
    ]);
  });

  it('counts N−1 copies of a file written 3 times, with one evidence item per wasted copy', () => {
    const bundle = facts.efficiency?.wasted.find((w) => w.path === '/app/bundle.js');
    expect(bundle).toEqual({
      path: '/app/bundle.js',
      bytes: 300,
      copies: 2,
      evidence: [
        {
          kind: 'file',
          path: '/app/bundle.js',
          layer: 0,
          layerDigest: facts.layers[0].digest,
          createdBy: 'ADD base /',
          state: 'replaced',
          byLayer: 1,
          detail: '100 bytes',
        },
        {
          kind: 'file',
          path: '/app/bundle.js',
          layer: 1,
          layerDigest: facts.layers[1].digest,
          createdBy: 'RUN build v2',
          state: 'replaced',
          byLayer: 2,
          detail: '200 bytes',
        },
      ],
    });
  });

  it('counts the files below a directory a whiteout deleted', () => {
    const cache = facts.efficiency?.wasted.filter((w) => w.path.startsWith('/cache/'));
    expect(
      cache?.map((w) => [w.path, w.bytes, w.copies, w.evidence[0].state, w.evidence[0].byLayer]),
    ).toEqual([
      ['/cache/deep/y', 70, 1, 'deleted', 1],
      ['/cache/x', 50, 1, 'deleted', 1],
    ]);
  });

  it('counts the lower-layer files an opaque directory hides', () => {
    expect(facts.efficiency?.wasted.find((w) => w.path === '/opq/old')).toMatchObject({
      bytes: 30,
      copies: 1,
      evidence: [{ layer: 0, state: 'deleted', byLayer: 1 }],
    });
  });

  it('counts the earlier copy of a path a layer wrote twice, even when the later one is empty', () => {
    expect(facts.efficiency?.wasted.find((w) => w.path === '/dup')).toMatchObject({
      bytes: 5,
      copies: 1,
      evidence: [{ layer: 1, state: 'replaced', byLayer: 1 }],
    });
    expect(facts.efficiency?.wasted.find((w) => w.path === '/emptied')).toMatchObject({
      bytes: 8,
      evidence: [{ layer: 1, state: 'replaced', byLayer: 1 }],
    });
    expect(facts.efficiency?.largestFiles.find((f) => f.path === '/emptied')).toBeUndefined();
  });

  it('agrees with the structural wasted bytes and computes the score from all bytes written', () => {
    const wasted = 100 + 200 + 50 + 70 + 30 + 5 + 8;
    const written = 100 + 50 + 70 + 30 + 400 + (200 + 10 + 5 + 6 + 8) + 300;
    expect(facts.efficiency?.wastedBytes).toBe(wasted);
    expect(facts.totals.wastedBytes).toBe(wasted);
    expect(facts.layers.reduce((sum, l) => sum + l.bytesAdded, 0)).toBe(written);
    expect(facts.efficiency?.score).toBe(Math.round((1 - wasted / written) * 10_000) / 10_000);
    expect(facts.efficiency?.wasted.reduce((sum, w) => sum + w.bytes, 0)).toBe(wasted);
  });

  it('orders wasted paths by bytes', () => {
    expect(facts.efficiency?.wasted.map((w) => w.path)).toEqual([
      '/app/bundle.js',
      '/cache/deep/y',
      '/cache/x',
      '/opq/old',
      '/emptied',
      '/dup',
    ]);
  });

  it('lists the largest files of the final filesystem, largest first, with evidence', () => {
    expect(facts.efficiency?.largestFiles.map((f) => [f.path, f.bytes, f.evidence.layer])).toEqual([
      ['/keep/big', 400, 0],
      ['/app/bundle.js', 300, 2],
      ['/opq/new', 10, 1],
      ['/dup', 6, 1],
    ]);
    expect(facts.efficiency?.largestFiles[1].evidence).toEqual({
      kind: 'file',
      path: '/app/bundle.js',
      layer: 2,
      layerDigest: facts.layers[2].digest,
      createdBy: 'RUN build v3',
      state: 'present',
      detail: '300 bytes',
    });
  });

  it('reports nothing below the threshold', () => {
    expect(efficiency.findings(facts)).toEqual([]);
  });

  it('an image without waste scores 1', async () => {
    const clean = await scan([{ files: [{ path: 'a', content: 'x' }] }]);
    expect(clean.efficiency).toMatchObject({ wastedBytes: 0, score: 1, wasted: [] });
    const empty = await scan([{ files: [{ path: 'd', type: 'dir' }] }]);
    expect(empty.efficiency).toMatchObject({ wastedBytes: 0, score: 1, largestFiles: [] });
  });

  it(`keeps the ${LARGEST_FILES} largest files only`, async () => {
    const files: FileSpec[] = [];
    for (let i = 1; i <= LARGEST_FILES + 5; i++) files.push({ path: `f${i}`, content: bytes(i) });
    const many = await scan([{ files }]);
    expect(many.efficiency?.largestFiles).toHaveLength(LARGEST_FILES);
    expect(many.efficiency?.largestFiles[0]).toMatchObject({ path: `/f${LARGEST_FILES + 5}` });
    expect(many.efficiency?.largestFiles.at(-1)).toMatchObject({ path: '/f6', bytes: 6 });
  });

  describe('wasted-bytes finding', () => {
    let wasteful: ImageFacts;
    beforeAll(async () => {
      const big = Buffer.alloc(WASTED_BYTES_THRESHOLD + 1_000_000);
      wasteful = await scan([
        { createdBy: 'RUN apt-get update', files: [{ path: 'var/lib/apt/lists/big', content: big }] },
        {
          createdBy: 'RUN rm -rf /var/lib/apt/lists',
          files: [{ path: 'var/lib/apt/lists', type: 'whiteout' }],
        },
        { files: [{ path: 'app', content: 'x' }] },
      ]);
    });

    it('fires above the threshold with the wasted copies as evidence', () => {
      const findings = efficiency.findings(wasteful);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ check: 'wasted-bytes', severity: 'low', category: 'Efficiency' });
      expect(findings[0].message).toMatch(
        /^11\.0 MB \(100\.0 %\) of the 11\.0 MB .*\/var\/lib\/apt\/lists\/big/,
      );
      expect(findings[0].evidence).toEqual([
        {
          kind: 'file',
          path: '/var/lib/apt/lists/big',
          layer: 0,
          layerDigest: wasteful.layers[0].digest,
          createdBy: 'RUN apt-get update',
          state: 'deleted',
          byLayer: 1,
          detail: `${WASTED_BYTES_THRESHOLD + 1_000_000} bytes`,
        },
      ]);
    });

    it('stays quiet when the waste is a small share of what the layers wrote', () => {
      const diluted: ImageFacts = {
        ...wasteful,
        layers: wasteful.layers.map((l, i) => (i === 2 ? { ...l, bytesAdded: 200_000_000 } : l)),
      };
      expect(efficiency.findings(diluted)).toEqual([]);
    });
  });
});

describe('classifyCopies', () => {
  it('sums to LayerStack.wastedBytes on hand-made tables (replace, delete, dir over file, file over dir)', () => {
    const table = (rows: Array<[string, string, number]>): LayerTable => ({
      paths: rows.map((r) => r[0]),
      kinds: rows.map((r) => r[1]).join(''),
      sizes: rows.map((r) => r[2]),
      modes: rows.map(() => 0o644),
      links: {},
    });
    const tables = [
      table([
        ['a', 'f', 10],
        ['b', 'f', 20],
        ['c', 'd', 0],
        ['c/x', 'f', 30],
        ['d', 'f', 40],
      ]),
      table([
        ['a', 'f', 11],
        ['b', 'w', 0],
        ['c', 'f', 5],
        ['d', 'd', 0],
        ['d', 'f', 7],
      ]),
    ];
    const stack = new LayerStack(tables);
    const layers = tables.map((t, index) => {
      const info: LayerInfo = { index, digest: `sha256:${index}`, mediaType: 'x' };
      const files = t.paths.map((p, i) => [p, t.kinds[i], t.sizes[i]] as const).filter((r) => r[1] === 'f');
      return {
        info,
        result: { paths: files.map((r) => r[0]), sizes: files.map((r) => r[2]), superseded: [] },
      };
    });
    const { bytesByPath, topWasted, wastedBytes } = classifyCopies({ layers, stack });
    expect(wastedBytes).toBe(stack.wastedBytes);
    expect(wastedBytes).toBe(10 + 20 + 30 + 40);
    expect([...bytesByPath.values()].reduce((a, b) => a + b, 0)).toBe(wastedBytes);
    expect(topWasted.map((w) => [w.path, w.bytes, w.copies.map((c) => [c.state, c.byLayer])])).toEqual([
      ['d', 40, [['replaced', 1]]],
      ['c/x', 30, [['deleted', 1]]],
      ['b', 20, [['deleted', 1]]],
      ['a', 10, [['replaced', 1]]],
    ]);
  });

  it('keeps the top paths only, while summing every path', async () => {
    const files: FileSpec[] = [];
    for (let i = 1; i <= 30; i++) files.push({ path: `tmp/f${i}`, content: bytes(i) });
    const image = await buildImage({ layers: [{ files }, { files: [{ path: 'tmp', type: 'whiteout' }] }] });
    const { facts } = await scanBuiltImage(image, { extractors: [efficiency as FactExtractor] });
    expect(facts.efficiency?.wasted).toHaveLength(20);
    expect(facts.efficiency?.wasted[0]).toMatchObject({ path: '/tmp/f30', bytes: 30 });
    expect(facts.efficiency?.wastedBytes).toBe((30 * 31) / 2);
    expect(facts.totals.wastedBytes).toBe((30 * 31) / 2);
  });
});
