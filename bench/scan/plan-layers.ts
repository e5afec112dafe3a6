import { createHash } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One path to archive, relative to the file-system root, with what identifies its content. */
export interface PlannedEntry {
  path: string;
  /** Identity used for the cache key: a changed file changes the layer. */
  stamp: string;
  /** Estimated bytes this entry adds to the tar (header plus padded content). */
  tarBytes: number;
}

export interface PlannedLayer {
  /** The directory tree this layer was cut from, e.g. `usr/lib`. */
  root: string;
  entries: PlannedEntry[];
  estimatedTarBytes: number;
  /** sha256 over the entry list and stamps: the build cache key. */
  key: string;
}

export interface PlanOptions {
  /**
   * Trees to cut layers from, relative to `/`, used round-robin (layer i comes from roots[i % n]).
   * `a+b` walks tree a, then tree b, as one source: a layer may span both (an apt layer that
   * installs a toolchain writes to several trees).
   */
  roots: string[];
  layerCount: number;
  /** Wanted uncompressed size of the whole image (sum of the layer tars). */
  totalBytes: number;
  /** Mixed into every cache key so a change in how layers are built invalidates them. */
  buildSalt: string;
}

const BLOCK = 512;

function tarBytesOf(path: string, size: number): number {
  // A name longer than the ustar fields costs an extra PAX header block pair.
  const longName = path.length > 100 ? 3 * BLOCK : 0;
  return BLOCK + longName + Math.ceil(size / BLOCK) * BLOCK;
}

/**
 * Walks a tree depth-first in sorted order without following symlinks, yielding every entry
 * (directories before their contents). Unreadable directories are yielded but not entered, since
 * tar cannot read them either.
 */
function* walkTree(root: string): Generator<{ path: string; isDir: boolean; size: number; stamp: string }> {
  const stack: string[] = [root];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    let st;
    try {
      st = lstatSync(join('/', rel));
    } catch {
      continue;
    }
    const isDir = st.isDirectory();
    const size = st.isFile() ? st.size : 0;
    const stamp = `${st.mode.toString(8)}:${size}:${Math.trunc(st.mtimeMs)}:${st.ino}`;
    yield { path: rel, isDir, size, stamp };
    if (!isDir) continue;
    let names: string[];
    try {
      names = readdirSync(join('/', rel));
    } catch {
      continue;
    }
    names.sort();
    for (let i = names.length - 1; i >= 0; i--) stack.push(`${rel}/${names[i]}`);
  }
}

function* walkTrees(
  roots: string[],
): Generator<{ path: string; isDir: boolean; size: number; stamp: string }> {
  for (const root of roots) yield* walkTree(root);
}

/**
 * Cuts `layerCount` layers of about `totalBytes / layerCount` each from the given trees. Each layer
 * is a contiguous run of one tree's depth-first order, preceded by the directories above its first
 * entry so that every layer is a self-contained file-system diff, as image builders produce.
 */
export function planLayers(options: PlanOptions): PlannedLayer[] {
  const perLayer = Math.ceil(options.totalBytes / options.layerCount);
  const walkers = options.roots.map((root) => ({ root, walk: walkTrees(root.split('+')), done: false }));
  const layers: PlannedLayer[] = [];
  let turn = 0;
  while (layers.length < options.layerCount) {
    const live = walkers.filter((w) => !w.done);
    if (live.length === 0) break;
    const walker = live[turn++ % live.length];
    const entries: PlannedEntry[] = [];
    const seenDirs = new Set<string>();
    let bytes = 0;
    while (bytes < perLayer) {
      const next = walker.walk.next();
      if (next.done) {
        walker.done = true;
        break;
      }
      const item = next.value;
      // Parents first, so the layer carries the directory entries its files live in.
      const parts = item.path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (seenDirs.has(dir)) continue;
        seenDirs.add(dir);
        entries.push({ path: dir, stamp: 'dir', tarBytes: BLOCK });
        bytes += BLOCK;
      }
      if (item.isDir) {
        if (seenDirs.has(item.path)) continue;
        seenDirs.add(item.path);
      }
      const tarBytes = tarBytesOf(item.path, item.size);
      entries.push({ path: item.path, stamp: item.stamp, tarBytes });
      bytes += tarBytes;
    }
    if (entries.length === 0) continue;
    const hash = createHash('sha256').update(options.buildSalt).update('\0');
    for (const e of entries) hash.update(e.path).update('\0').update(e.stamp).update('\0');
    layers.push({ root: walker.root, entries, estimatedTarBytes: bytes, key: hash.digest('hex') });
  }
  return layers;
}
