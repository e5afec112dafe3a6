import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildFileGraph,
  buildFolderGraph,
  importCycles,
  renderFolderGraph,
  type ImportGraph,
} from '../../support/import-graph.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** FLOORS from the lint configuration itself, so the lint rules and this graph cannot disagree. */
async function lintFloors(): Promise<string[][]> {
  const config = (await import(pathToFileURL(`${REPO}eslint.config.js`).href)) as { FLOORS: string[][] };
  return config.FLOORS;
}

describe('import graph of src/ and workers/', () => {
  it('gives every folder a floor and has no folder cycles', async () => {
    const floors = await lintFloors();
    const graph = buildFolderGraph(REPO);
    // The graph for a closing note or a review: floors, arrows, back-arrows, cycles.
    console.log(renderFolderGraph(graph, floors));

    const placed = new Set(floors.flat());
    expect(graph.nodes.filter((folder) => !placed.has(folder))).toEqual([]);
    expect(importCycles(graph)).toEqual([]);
  });

  // import-x/no-cycle would find these in lint, at about nine seconds of CPU per run.
  it('has no cycles between files', () => {
    expect(importCycles(buildFileGraph(REPO))).toEqual([]);
  });

  it('sees a cycle when two folders import each other, and the arrow that points back up', () => {
    const graph: ImportGraph = {
      nodes: ['src/a', 'src/b', 'src/c'],
      edges: new Map([
        ['src/a -> src/b', { from: 'src/a', to: 'src/b', imports: ['src/a/x.ts -> src/b/y.ts'] }],
        ['src/b -> src/a', { from: 'src/b', to: 'src/a', imports: ['src/b/y.ts -> src/a/z.ts'] }],
        ['src/c -> src/a', { from: 'src/c', to: 'src/a', imports: ['src/c/w.ts -> src/a/x.ts'] }],
      ]),
    };
    expect(importCycles(graph)).toEqual([['src/a', 'src/b']]);
    const text = renderFolderGraph(graph, [['src/a'], ['src/b', 'src/c']]);
    expect(text).toContain(
      'Arrows pointing back up or sideways (1):\n  src/a -> src/b\n      src/a/x.ts -> src/b/y.ts',
    );
    expect(text).toContain('Folder cycles (1):\n  src/a <-> src/b');
  });
});
