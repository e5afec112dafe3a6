import type { EntryType, LayerTable } from './types.js';

const KIND_CHAR: Record<EntryType, string> = {
  file: 'f',
  directory: 'd',
  symlink: 'l',
  hardlink: 'h',
  whiteout: 'w',
  opaque: 'o',
  'char-device': 'c',
  'block-device': 'b',
  fifo: 'p',
  other: 'x',
};

const KIND_TYPE: Record<string, EntryType> = Object.fromEntries(
  Object.entries(KIND_CHAR).map(([type, char]) => [char, type as EntryType]),
);

/** The EntryType a LayerTable kind character stands for. */
export function entryTypeOfKind(kind: string): EntryType {
  return KIND_TYPE[kind] ?? 'other';
}

/** The LayerTable kind character for an EntryType. */
export function kindOfEntryType(type: EntryType): string {
  return KIND_CHAR[type];
}

/**
 * Appends entries to a LayerTable as the walker sees them, in tar order. Duplicated paths are
 * kept as separate rows (the later row wins when layers are stacked).
 */
export class LayerTableBuilder {
  private readonly paths: string[] = [];
  private readonly kinds: string[] = [];
  private readonly sizes: number[] = [];
  private readonly modes: number[] = [];
  private readonly links: Record<number, string> = {};

  get length(): number {
    return this.paths.length;
  }

  add(path: string, type: EntryType, size: number, mode: number, link?: string): number {
    const index = this.paths.length;
    this.paths.push(path);
    this.kinds.push(KIND_CHAR[type]);
    this.sizes.push(size);
    this.modes.push(mode);
    if (link !== undefined) this.links[index] = link;
    return index;
  }

  build(): LayerTable {
    return {
      paths: this.paths,
      kinds: this.kinds.join(''),
      sizes: this.sizes,
      modes: this.modes,
      links: this.links,
    };
  }
}
