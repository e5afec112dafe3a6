import type { LayerStack } from '../../inspect/layer-stack.js';
import type { LayerInfo } from '../../inspect/types.js';
import { fileEvidence } from '../evidence.js';
import type { BuildLeftover } from '../image-facts.js';
import {
  classifyLeftover,
  COMPILED_JS,
  isSystemPath,
  type LeftoverKind,
  sourceStem,
} from './leftover-rules.js';

interface Group {
  kind: LeftoverKind;
  root: string;
  files: number;
  bytes: number;
  /** Layer → files and bytes it contributed, and one of its files as the evidence path. */
  byLayer: Map<number, { files: number; bytes: number; sample: string }>;
}

interface Candidate {
  kind: 'test-suite' | 'source-map' | 'typescript-source';
  path: string;
  layer: number;
  bytes: number;
}

const PROJECT_FILES = new Set(['package.json', 'tsconfig.json']);

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Deepest folder holding every path (the path itself when there is one). */
function commonRoot(paths: readonly string[]): string {
  if (paths.length === 1) return paths[0];
  let parts = dirname(paths[0]).split('/');
  for (const path of paths) {
    const other = dirname(path).split('/');
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/');
}

/**
 * The build leftovers of the final filesystem (what a later layer deleted is not listed: the
 * efficiency section accounts for its bytes). One leftover per folder for trees (`.git`, test
 * folders, caches, editor folders) and per project for loose files (test files, source maps,
 * TypeScript sources), where a project is the nearest folder holding a `package.json` or
 * `tsconfig.json`, else the top folder. Header-only: reads the merged table, not file contents.
 * `inUse` names cache files the app reads at run time (Yarn Plug'n'Play archives): not leftovers,
 * and not counted in their cache folder's files and bytes.
 */
export function findLeftovers(
  stack: LayerStack,
  layers: readonly LayerInfo[],
  inUse: (path: string) => boolean = () => false,
): BuildLeftover[] {
  const groups = new Map<string, Group>();
  const candidates: Candidate[] = [];
  const projectRoots = new Set<string>();
  const compiled: string[] = [];

  const add = (kind: LeftoverKind, root: string, path: string, layer: number, bytes: number): void => {
    const key = `${kind}\0${root}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { kind, root, files: 0, bytes: 0, byLayer: new Map() };
      groups.set(key, group);
    }
    group.files++;
    group.bytes += bytes;
    const perLayer = group.byLayer.get(layer);
    if (perLayer === undefined) group.byLayer.set(layer, { files: 1, bytes, sample: path });
    else {
      perLayer.files++;
      perLayer.bytes += bytes;
    }
  };

  for (const entry of stack.visibleEntries()) {
    if (entry.kind === 'directory' || entry.layer < 0) continue;
    const bytes = entry.kind === 'file' ? entry.size : 0;
    const match = classifyLeftover(entry.path);
    if (match?.tree) {
      if (match.kind === 'package-cache' && inUse(entry.path)) continue;
      add(match.kind, match.root, entry.path, entry.layer, bytes);
      continue;
    }
    if (match) {
      candidates.push({ kind: match.kind, path: entry.path, layer: entry.layer, bytes });
      continue;
    }
    if (entry.path.includes('node_modules/')) continue;
    const base = basename(entry.path);
    if (PROJECT_FILES.has(base)) projectRoots.add(dirname(entry.path));
    else if (COMPILED_JS.test(base) && !isSystemPath(entry.path)) compiled.push(entry.path);
  }

  const projectOf = (path: string): string => {
    for (let dir = dirname(path); dir !== ''; dir = dirname(dir)) if (projectRoots.has(dir)) return dir;
    return path.includes('/') ? path.slice(0, path.indexOf('/')) : '';
  };
  const compiledStems = new Map<string, Set<string>>();
  for (const path of compiled) {
    const project = projectOf(path);
    let stems = compiledStems.get(project);
    if (stems === undefined) compiledStems.set(project, (stems = new Set()));
    stems.add(sourceStem(basename(path)));
  }

  // Loose files grouped per project, reported at the deepest folder holding them all.
  const loose = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const project = projectOf(candidate.path);
    if (
      candidate.kind === 'typescript-source' &&
      compiledStems.get(project)?.has(sourceStem(basename(candidate.path))) !== true
    ) {
      // No compiled counterpart: the project runs its TypeScript (Deno, Bun, ts-node) or it is
      // not a TypeScript build at all.
      continue;
    }
    const key = `${candidate.kind}\0${project}`;
    const list = loose.get(key);
    if (list === undefined) loose.set(key, [candidate]);
    else list.push(candidate);
  }
  for (const list of loose.values()) {
    const root = commonRoot(list.map((c) => c.path));
    for (const c of list) add(c.kind, root, c.path, c.layer, c.bytes);
  }

  const leftovers: BuildLeftover[] = [];
  for (const group of groups.values()) {
    const single = group.files === 1 && group.root === [...group.byLayer.values()][0].sample;
    const evidence = [...group.byLayer.entries()]
      .sort(([a], [b]) => a - b)
      .map(([layer, { files, bytes, sample }]) =>
        fileEvidence(
          layers[layer],
          sample,
          stack,
          single ? {} : { detail: `${files} file(s), ${bytes} bytes under /${group.root} from this layer` },
        ),
      );
    leftovers.push({
      kind: group.kind,
      path: `/${group.root}`,
      files: group.files,
      bytes: group.bytes,
      evidence,
    });
  }
  return leftovers.sort((a, b) => a.kind.localeCompare(b.kind) || a.path.localeCompare(b.path));
}
