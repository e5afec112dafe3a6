import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Import graphs of the production code (src/ and workers/), built from the import specifiers
 * TypeScript itself finds, type-only imports included. In the folder graph a node is a top-level
 * folder of src/ (its subfolders belong to it), `workers`, or `src` for the files directly in src/
 * — the same names as FLOORS in eslint.config.js; in the file graph a node is a file.
 */
export interface ImportGraph {
  nodes: string[];
  /** `from -> to` with the importing files, `file -> imported file`. */
  edges: Map<string, { from: string; to: string; imports: string[] }>;
}

const ROOTS = ['src', 'workers'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] !== 'src') return parts[0];
  return parts.length > 2 ? `src/${parts[1]}` : 'src';
}

/** `nodeOf` maps a file (relative to the repository, `.ts` not `.js`) to its node. */
export function buildImportGraph(repoRoot: string, nodeOf: (file: string) => string): ImportGraph {
  const nodes = new Set<string>();
  const edges: ImportGraph['edges'] = new Map();
  for (const root of ROOTS) {
    for (const absolute of sourceFiles(join(repoRoot, root))) {
      const file = relative(repoRoot, absolute);
      const from = nodeOf(file);
      nodes.add(from);
      const { importedFiles } = ts.preProcessFile(readFileSync(absolute, 'utf8'), true, true);
      for (const { fileName } of importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const target = relative(repoRoot, resolve(dirname(absolute), fileName)).replace(/\.(m?)js$/, '.$1ts');
        const to = nodeOf(target);
        if (to === from) continue;
        const key = `${from} -> ${to}`;
        const edge = edges.get(key) ?? { from, to, imports: [] };
        edge.imports.push(`${file} -> ${target}`);
        edges.set(key, edge);
      }
    }
  }
  return { nodes: [...nodes].sort(), edges };
}

export const buildFolderGraph = (repoRoot: string): ImportGraph => buildImportGraph(repoRoot, folderOf);
export const buildFileGraph = (repoRoot: string): ImportGraph => buildImportGraph(repoRoot, (file) => file);

/** Strongly connected components of more than one node: each is an import cycle. */
export function importCycles(graph: ImportGraph): string[][] {
  const next = new Map<string, string[]>(graph.nodes.map((node) => [node, []]));
  for (const { from, to } of graph.edges.values()) {
    if (!next.has(to)) next.set(to, []);
    next.get(from)!.push(to);
  }
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** Edges that point to the same or a higher floor (folders without a floor are left out). */
export function backArrows(graph: ImportGraph, floors: readonly (readonly string[])[]): ImportGraph['edges'] {
  const floorOf = new Map(floors.flatMap((floor, index) => floor.map((folder) => [folder, index] as const)));
  return new Map(
    [...graph.edges].filter(([, { from, to }]) => {
      const a = floorOf.get(from);
      const b = floorOf.get(to);
      return a !== undefined && b !== undefined && b >= a;
    }),
  );
}

/** The text for a closing note: floors top first, every arrow, the arrows that point back up, cycles. */
export function renderFolderGraph(graph: ImportGraph, floors: readonly (readonly string[])[]): string {
  const lines = ['Floors (top first; a folder imports only from lower floors):'];
  for (let index = floors.length - 1; index >= 0; index--) {
    lines.push(`  ${String(index).padStart(2)}  ${floors[index].join('  ')}`);
  }
  const placed = new Set(floors.flat());
  const unplaced = graph.nodes.filter((folder) => !placed.has(folder));
  if (unplaced.length > 0) lines.push(`  no floor: ${unplaced.join('  ')}`);

  const sorted = [...graph.edges.values()].sort((a, b) => (a.from + a.to).localeCompare(b.from + b.to));
  lines.push('', `Arrows (${sorted.length}; imports in brackets):`);
  for (const { from, to, imports } of sorted) lines.push(`  ${from} -> ${to} [${imports.length}]`);

  const back = [...backArrows(graph, floors).values()];
  lines.push('', `Arrows pointing back up or sideways (${back.length}):`);
  for (const { from, to, imports } of back) {
    lines.push(`  ${from} -> ${to}`);
    for (const line of imports) lines.push(`      ${line}`);
  }

  const cycles = importCycles(graph);
  lines.push('', `Folder cycles (${cycles.length}):`);
  for (const cycle of cycles) lines.push(`  ${cycle.join(' <-> ')}`);
  return lines.join('\n');
}
