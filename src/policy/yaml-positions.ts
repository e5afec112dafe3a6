import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** A key path through a parsed document: map keys as strings, sequence indexes as numbers. */
export type KeyPath = Array<string | number>;

/** Where a key path points inside the YAML source: the node reached and, for a map entry, its key. */
export interface YamlLocation {
  /** The key path actually reached; shorter than the one asked for when the document ends early. */
  reached: KeyPath;
  value: Node | null;
  key: Node | null;
}

function scalarKey(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** Follows `path` through the YAML tree as far as it exists, so an error always points somewhere in the file. */
export function locate(root: Node | null, path: KeyPath): YamlLocation {
  const reached: KeyPath = [];
  let value: Node | null = root;
  let key: Node | null = null;
  for (const segment of path) {
    if (isMap(value)) {
      const pair = value.items.find((item) => scalarKey(item.key) === String(segment));
      if (!pair) break;
      key = isScalar(pair.key) ? pair.key : null;
      value = (pair.value as Node | null) ?? null;
    } else if (isSeq(value) && typeof segment === 'number') {
      const item = value.items[segment] as Node | undefined;
      if (!item) break;
      key = null;
      value = item;
    } else {
      break;
    }
    reached.push(segment);
  }
  return { reached, value, key };
}

/** The key path of the innermost entry whose source range holds `offset` (for YAML syntax errors). */
export function pathAtOffset(root: Node | null, offset: number): KeyPath {
  const path: KeyPath = [];
  let node: Node | null = root;
  for (;;) {
    let next: Node | null = null;
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = pair.key as Node | null;
        const v = pair.value as Node | null;
        const start = k?.range?.[0] ?? v?.range?.[0];
        const end = v?.range?.[2] ?? k?.range?.[2];
        if (start === undefined || end === undefined || offset < start || offset > end) continue;
        path.push(scalarKey(k) ?? '?');
        next = v;
        break;
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const range = (item as Node | null)?.range;
        if (next === null && range && offset >= range[0] && offset <= range[2]) {
          path.push(index);
          next = item as Node;
        }
      });
    }
    if (next === null) return path;
    node = next;
  }
}

/** `spec.rules[2].schema.properties.compilers`; keys that are not plain identifiers are quoted. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Splits an ajv instancePath (a JSON Pointer); numeric segments become indexes. */
export function parseJsonPointer(pointer: string): KeyPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
}

/** 1-based line and column of a source offset. */
export function position(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
