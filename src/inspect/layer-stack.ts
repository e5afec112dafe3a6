import { entryTypeOfKind } from './layer-table-builder.js';
import { normalizeLayerPath, parentPath } from './normalize-path.js';
import type { EntryType, LayerTable } from './types.js';

/** What became of an entry a layer wrote. */
export type EntryFate = { state: 'present' } | { state: 'deleted' | 'replaced'; byLayer: number };

/** An entry of the final (merged) filesystem. */
export interface StackEntry {
  /** Index of the layer that wrote it; -1 for a directory that only exists implicitly (a parent of entries, without its own tar entry). */
  layer: number;
  kind: EntryType;
  size: number;
  mode: number;
  link?: string;
}

const PRESENT = 0;
const DELETED = 1;
const REPLACED = 2;

/** Entries are addressed as layer * ROW_SPAN + row in one number: no object per entry. */
const ROW_SPAN = 2 ** 32;
const MAX_SYMLINK_DEPTH = 40;
const PRESENT_FATE: EntryFate = Object.freeze({ state: 'present' }) as EntryFate;
const IMPLICIT_DIR: StackEntry = Object.freeze({
  layer: -1,
  kind: 'directory',
  size: 0,
  mode: 0o755,
}) as StackEntry;

/**
 * The layers of one image stacked bottom-up (image-spec layer.md "Applying Changesets"):
 * whiteouts and opaque markers hide lower-layer entries (never entries of their own layer),
 * a later entry at the same path replaces the lower one, and a non-directory written over a
 * directory removes everything below it. Keeps, for every entry every layer wrote, whether and
 * by which layer it was deleted or replaced. Built in O(entries) with a children index, so
 * removing a directory tree never scans unrelated paths.
 *
 * Choices: a directory written over a directory counts as `replaced` (its attributes are) while
 * its children stay; an entry removed because an ancestor directory was replaced by a
 * non-directory counts as `deleted`; within one layer a duplicated path keeps the later row and
 * the earlier one is `replaced` by that same layer. Symlinked parent directories are not
 * followed while stacking (an entry `a/x` stays at `a/x` even if a lower `a` is a symlink).
 */
export class LayerStack {
  private readonly tables: readonly LayerTable[];
  /** Final filesystem: path → encoded (layer, row). */
  private readonly current = new Map<string, number>();
  /** Parent path → child paths, for current entries and their (possibly implicit) ancestors. */
  private readonly children = new Map<string, Set<string>>();
  private readonly removedBy: Int32Array[];
  private readonly how: Uint8Array[];
  private readonly added: number[];
  private readonly removed: number[];
  private readonly rowIndexes: Array<Map<string, number> | undefined>;
  private wasted = 0;
  private fileCount = 0;
  private fileBytes = 0;

  constructor(tables: readonly LayerTable[]) {
    this.tables = tables;
    this.removedBy = tables.map((t) => new Int32Array(t.paths.length).fill(-1));
    this.how = tables.map((t) => new Uint8Array(t.paths.length));
    this.added = tables.map(() => 0);
    this.removed = tables.map(() => 0);
    this.rowIndexes = tables.map(() => undefined);
    for (let layer = 0; layer < tables.length; layer++) this.apply(layer);
    for (const code of this.current.values()) {
      const kind = this.kindAt(code);
      if (kind !== 'd') this.fileCount++;
      if (kind === 'f') this.fileBytes += this.tables[Math.floor(code / ROW_SPAN)].sizes[code % ROW_SPAN];
    }
  }

  get layerCount(): number {
    return this.tables.length;
  }

  /** Entries of the final filesystem that are not directories (files, links, devices…). */
  get finalFileCount(): number {
    return this.fileCount;
  }

  /** All entries of the final filesystem, directories included. */
  get finalEntryCount(): number {
    return this.current.size;
  }

  /** Regular-file bytes of the final filesystem. */
  get finalBytes(): number {
    return this.fileBytes;
  }

  /** Regular-file bytes that a later layer (or a later duplicate in the same layer) deleted or replaced. */
  get wastedBytes(): number {
    return this.wasted;
  }

  /** Regular-file bytes layer `layer` wrote (every file row, duplicates included). */
  bytesAdded(layer: number): number {
    return this.added[layer] ?? 0;
  }

  /** Bytes of lower-layer regular files that layer `layer` deleted or replaced. */
  bytesRemoved(layer: number): number {
    return this.removed[layer] ?? 0;
  }

  /**
   * What became of the entry layer `layer` wrote at `path` (the last one, if the layer wrote the
   * path twice); `undefined` when that layer wrote no such entry.
   */
  fate(layer: number, path: string): EntryFate | undefined {
    const table = this.tables[layer];
    if (table === undefined) return undefined;
    const normalised = normalizeLayerPath(path);
    if (normalised === undefined) return undefined;
    let index = this.rowIndexes[layer];
    if (index === undefined) {
      index = new Map();
      for (let row = 0; row < table.paths.length; row++) {
        const kind = table.kinds[row];
        if (kind !== 'w' && kind !== 'o') index.set(table.paths[row], row);
      }
      this.rowIndexes[layer] = index;
    }
    const row = index.get(normalised);
    if (row === undefined) return undefined;
    return this.fateOfRow(layer, row);
  }

  /**
   * Calls `visit` for every regular-file row layer `layer` wrote (duplicates included), in table
   * order; `fateOfRow(layer, row)` says what became of it. Lets a fact extractor attribute every
   * byte the layers wrote without keeping its own copy of the (cached) tables.
   */
  forEachFileRow(layer: number, visit: (path: string, size: number, row: number) => void): void {
    const table = this.tables[layer];
    if (table === undefined) return;
    const { paths, kinds, sizes } = table;
    for (let row = 0; row < paths.length; row++) if (kinds[row] === 'f') visit(paths[row], sizes[row], row);
  }

  /** Same as `fate`, addressed by the row of the layer's table. */
  fateOfRow(layer: number, row: number): EntryFate {
    const how = this.how[layer][row];
    if (how === PRESENT) return PRESENT_FATE;
    return { state: how === DELETED ? 'deleted' : 'replaced', byLayer: this.removedBy[layer][row] };
  }

  /** The final-filesystem entry at `path` (symlinks not followed). */
  lookup(path: string): StackEntry | undefined {
    const normalised = normalizeLayerPath(path);
    if (normalised === undefined) return undefined;
    const code = this.current.get(normalised);
    return code === undefined ? undefined : this.entryAt(code);
  }

  /**
   * Follows symlinks (relative and absolute, at most 40) and hard links in the final filesystem.
   * Returns the path reached and its entry, or `undefined` when a component is missing, a
   * non-directory is used as a directory, or the links loop.
   */
  resolve(path: string): { path: string; entry: StackEntry } | undefined {
    let parts = path.split('/');
    let prefix: string[] = [];
    let followed = 0;
    let i = 0;
    let entry: StackEntry | undefined = IMPLICIT_DIR;
    while (i < parts.length) {
      const part = parts[i];
      if (part === '' || part === '.') {
        i++;
        continue;
      }
      if (part === '..') {
        prefix.pop();
        entry = IMPLICIT_DIR;
        i++;
        continue;
      }
      if (part.includes('\0')) return undefined;
      const candidate = prefix.length === 0 ? part : `${prefix.join('/')}/${part}`;
      const code = this.current.get(candidate);
      if (code !== undefined && this.kindAt(code) === 'l') {
        if (++followed > MAX_SYMLINK_DEPTH) return undefined;
        const target = this.tables[Math.floor(code / ROW_SPAN)].links[code % ROW_SPAN] ?? '';
        if (target.startsWith('/')) prefix = [];
        parts = [...target.split('/'), ...parts.slice(i + 1)];
        i = 0;
        continue;
      }
      const last = i === parts.length - 1 || parts.slice(i + 1).every((p) => p === '' || p === '.');
      if (code !== undefined) {
        entry = this.entryAt(code);
        if (!last && entry.kind !== 'directory') return undefined;
      } else {
        const kids = this.children.get(candidate);
        if (kids === undefined || kids.size === 0) return undefined;
        entry = IMPLICIT_DIR;
      }
      prefix.push(part);
      i++;
    }
    let finalPath = prefix.join('/');
    // After `..` (or at the root) the entry in hand is a placeholder; look the real one up.
    const reached = this.current.get(finalPath);
    entry = reached === undefined ? entry : this.entryAt(reached);
    if (entry.kind === 'hardlink' && entry.link !== undefined) {
      const targetCode = this.current.get(entry.link);
      if (targetCode !== undefined && this.kindAt(targetCode) === 'f') {
        finalPath = entry.link;
        entry = this.entryAt(targetCode);
      }
    }
    return { path: finalPath, entry };
  }

  /** Every entry of the final filesystem, in no particular order. */
  *visibleEntries(): IterableIterator<StackEntry & { path: string }> {
    for (const [path, code] of this.current) yield { path, ...this.entryAt(code) };
  }

  private kindAt(code: number): string {
    return this.tables[Math.floor(code / ROW_SPAN)].kinds[code % ROW_SPAN];
  }

  private entryAt(code: number): StackEntry {
    const layer = Math.floor(code / ROW_SPAN);
    const row = code % ROW_SPAN;
    const table = this.tables[layer];
    const entry: StackEntry = {
      layer,
      kind: entryTypeOfKind(table.kinds[row]),
      size: table.sizes[row],
      mode: table.modes[row],
    };
    const link = table.links[row];
    if (link !== undefined) entry.link = link;
    return entry;
  }

  private apply(layer: number): void {
    const table = this.tables[layer];
    const { paths, kinds, sizes } = table;
    // Whiteouts and opaque markers apply to lower layers only, wherever they sit in the layer.
    let whitedOut: Map<string, number> | undefined;
    for (let row = 0; row < paths.length; row++) {
      const kind = kinds[row];
      if (kind === 'o') {
        this.removeChildren(paths[row], layer);
      } else if (kind === 'w') {
        const removed = this.removeTree(paths[row], layer);
        if (removed !== undefined) (whitedOut ??= new Map()).set(paths[row], removed);
      }
    }
    for (let row = 0; row < paths.length; row++) {
      const kind = kinds[row];
      if (kind === 'w' || kind === 'o') continue;
      if (kind === 'f') this.added[layer] += sizes[row];
      const path = paths[row];
      const existing = this.current.get(path);
      if (existing !== undefined) {
        if (this.kindAt(existing) === 'd' && kind !== 'd') this.removeChildren(path, layer);
        this.markGone(existing, layer, REPLACED);
      }
      this.current.set(path, layer * ROW_SPAN + row);
      this.link(path);
    }
    // `.wh.x` plus a new `x` in the same layer is how some builders replace x: say replaced.
    if (whitedOut !== undefined) {
      for (const [path, code] of whitedOut) {
        const now = this.current.get(path);
        if (now !== undefined && Math.floor(now / ROW_SPAN) === layer) {
          this.how[Math.floor(code / ROW_SPAN)][code % ROW_SPAN] = REPLACED;
        }
      }
    }
  }

  private markGone(code: number, byLayer: number, how: number): void {
    const layer = Math.floor(code / ROW_SPAN);
    const row = code % ROW_SPAN;
    this.removedBy[layer][row] = byLayer;
    this.how[layer][row] = how;
    const table = this.tables[layer];
    if (table.kinds[row] === 'f') {
      const size = table.sizes[row];
      this.wasted += size;
      if (layer !== byLayer) this.removed[byLayer] += size;
    }
  }

  /** Records `path` under its parent, creating implicit ancestors as needed. */
  private link(path: string): void {
    let child = path;
    while (child !== '') {
      const parent = parentPath(child);
      let set = this.children.get(parent);
      if (set === undefined) {
        set = new Set();
        this.children.set(parent, set);
        set.add(child);
        child = parent;
        continue;
      }
      if (set.has(child)) return;
      set.add(child);
      return;
    }
  }

  /** Deletes `path` and everything below it; returns the entry that was at `path`, if any. */
  private removeTree(path: string, byLayer: number): number | undefined {
    const code = this.current.get(path);
    if (code !== undefined) {
      this.markGone(code, byLayer, DELETED);
      this.current.delete(path);
    }
    this.removeChildren(path, byLayer);
    if (path !== '') this.children.get(parentPath(path))?.delete(path);
    return code;
  }

  /** Deletes everything below `path`, keeping `path` itself. */
  private removeChildren(path: string, byLayer: number): void {
    const pending = [path];
    while (pending.length > 0) {
      const dir = pending.pop() as string;
      const kids = this.children.get(dir);
      if (kids === undefined) continue;
      this.children.delete(dir);
      for (const child of kids) {
        const code = this.current.get(child);
        if (code !== undefined) {
          this.markGone(code, byLayer, DELETED);
          this.current.delete(child);
        }
        pending.push(child);
      }
    }
  }
}
