import { isRecord } from '../../is-record.js';
/**
 * The top-level packages an npm lockfile lists: the hidden lockfile
 * (`node_modules/.package-lock.json`) or a project's `package-lock.json` / `npm-shrinkwrap.json`.
 */
export interface HiddenLockfile {
  /** Top-level packages marked `"dev": true`, name → version. */
  dev: Record<string, string>;
  /** Other top-level packages (production, optional, `devOptional`): installed for a reason besides dev. */
  other: string[];
  /** False when the text ended before the `packages` object did (the detector caps what it reads). */
  complete: boolean;
}

const TOP_LEVEL = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/;

function setDev(result: HiddenLockfile, name: string, value: Record<string, unknown>): void {
  // defineProperty: a package named `__proto__` must stay data, not become the prototype.
  Object.defineProperty(result.dev, name, {
    value: typeof value.version === 'string' ? value.version : '',
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Reads an npm lockfile. Lockfile v2/v3 (npm 7+, and every hidden lockfile) has a `packages` map
 * keyed by install path: only top-level entries (`node_modules/<name>`,
 * `node_modules/@scope/<name>`) count, nested copies belong to the package that nests them.
 * Lockfile v1 (npm 5/6, which writes no hidden lockfile) has only a `dependencies` map keyed by
 * name, whose keys are the top-level packages (nested ones sit in their own `dependencies`).
 * `"dev": true` means only devDependencies need the package; npm's `"devOptional": true` means
 * dev *or* optional, which `npm ci --omit=dev` keeps, so it is not treated as dev. Lockfiles run
 * to megabytes and may arrive cut short: the entries that arrived whole are still read.
 */
export function parseHiddenLockfile(text: string): HiddenLockfile {
  const result: HiddenLockfile = { dev: {}, other: [], complete: true };
  let entries: Array<[string, unknown]> = [];
  let byName = false;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && isRecord(parsed.packages)) entries = Object.entries(parsed.packages);
    else if (isRecord(parsed) && isRecord(parsed.dependencies)) {
      entries = Object.entries(parsed.dependencies);
      byName = true;
    }
  } catch {
    result.complete = false;
    entries = scanObjectEntries(text, 'packages');
    // v1 has no `packages`; its first `"dependencies"` key is the top-level one (the root
    // object holds nothing nested before it).
    if (entries.length === 0 && !/"packages"\s*:/.test(text)) {
      entries = scanObjectEntries(text, 'dependencies');
      byName = true;
    }
  }
  for (const [key, value] of entries) {
    const name = byName ? key : TOP_LEVEL.exec(key)?.[1];
    if (name === undefined || name === '' || !isRecord(value)) continue;
    if (value.dev === true) setDev(result, name, value);
    else result.other.push(name);
  }
  result.other.sort();
  return result;
}

/**
 * Reads the `"<key>": { "name": {…}, … }` entries of a truncated JSON document (the first object
 * under that key), one whole entry at a time, and stops at the first incomplete one.
 */
function scanObjectEntries(text: string, key: 'packages' | 'dependencies'): Array<[string, unknown]> {
  const entries: Array<[string, unknown]> = [];
  const start = new RegExp(`"${key}"\\s*:\\s*\\{`).exec(text);
  if (!start) return entries;
  let i = start.index + start[0].length;
  for (;;) {
    i = skipSpaceAndCommas(text, i);
    if (text[i] !== '"') break;
    const keyEnd = endOfString(text, i);
    if (keyEnd < 0) break;
    let name: unknown;
    try {
      name = JSON.parse(text.slice(i, keyEnd));
    } catch {
      break;
    }
    i = skipSpace(text, keyEnd);
    if (text[i] !== ':') break;
    i = skipSpace(text, i + 1);
    if (text[i] !== '{') break;
    const valueEnd = endOfObject(text, i);
    if (valueEnd < 0) break;
    try {
      entries.push([String(name), JSON.parse(text.slice(i, valueEnd)) as unknown]);
    } catch {
      break;
    }
    i = valueEnd;
  }
  return entries;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

function skipSpaceAndCommas(text: string, i: number): number {
  while (i < text.length && (text[i] === ',' || /\s/.test(text[i]))) i++;
  return i;
}

/** Index just past the JSON string starting at `i` (a `"`), or -1 when it does not end. */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return -1;
}

/** Index just past the JSON object starting at `i` (a `{`), or -1 when it does not end. */
function endOfObject(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"') {
      const end = endOfString(text, j);
      if (end < 0) return -1;
      j = end - 1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}
