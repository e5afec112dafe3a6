import { isRecord } from '../../is-record.js';

/** A package a workspace depends on, as the Plug'n'Play registry resolves it. */
export interface PnpLocator {
  /** Yarn's reference, e.g. `npm:29.7.0` or `virtual:…#npm:29.7.0`. */
  reference: string;
  /** Where the package lives, an image path (no leading slash), virtual folders resolved. */
  location: string;
}

export interface PnpWorkspace {
  /** The workspace folder, an image path ('' for `/`). */
  location: string;
  /** Every dependency the registry links for it (dev ones included unless the install left them out). */
  dependencies: Record<string, PnpLocator>;
}

/** What the detector keeps of a Yarn Plug'n'Play file (`.pnp.cjs`, `.pnp.js`, `.pnp.data.json`). */
export interface PnpManifest {
  /** False when no registry was found or it was cut short: which archives are in use is unknown. */
  complete: boolean;
  /** A loader whose registry lives in another file (`pnpEnableInlining: false`): that file's path. */
  dataFile?: string;
  /** The zip archives the registry points into (the cache PnP reads at run time), image paths. */
  archives: string[];
  workspaces: PnpWorkspace[];
}

const INCOMPLETE: PnpManifest = { complete: false, archives: [], workspaces: [] };

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `base` joined with a relative (or absolute) location, normalised; undefined when it climbs out of `/`. */
function joinPath(base: string, location: string): string | undefined {
  const parts = location.startsWith('/') ? [] : base.split('/').filter((part) => part !== '');
  for (const part of location.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

const VIRTUAL = /^(.*?)(?:^|\/)(?:__virtual__|\$\$virtual)\/[^/]+\/(\d+)(?:\/(.*))?$/;

/**
 * Resolves Yarn's virtual folders the way its VirtualFS does: `<dir>/__virtual__/<hash>/<n>/<rest>`
 * is `<dir>` climbed `n` levels, then `<rest>`.
 */
function resolveVirtual(path: string): string | undefined {
  let current = path;
  for (let guard = 0; guard < 8; guard++) {
    const match = VIRTUAL.exec(current);
    if (!match) return current;
    const next = joinPath(match[1], `${'../'.repeat(Number(match[2]))}${match[3] ?? ''}`);
    if (next === undefined) return undefined;
    current = next;
  }
  return undefined;
}

/** The zip archive a package location lies in (`…/x-npm-1.0.0-abc.zip/node_modules/x`), if any. */
export function archiveOf(location: string): string | undefined {
  const end = location.indexOf('.zip/');
  if (end >= 0) return location.slice(0, end + 4);
  return location.endsWith('.zip') ? location : undefined;
}

/** `npm:29.7.0` and `virtual:abc#npm:29.7.0` give `29.7.0`; other references (git, patch, link) nothing. */
export function pnpVersion(reference: string): string | undefined {
  const npm = /(?:^|#)npm:([0-9][^#\s]*)$/.exec(reference);
  return npm?.[1];
}

/**
 * The JSON text of the runtime state inside a PnP file. Yarn 3 and 4 inline it as a single-quoted
 * string (`const RAW_RUNTIME_STATE =\n'{…}'`, with `\\`, `\'` and line continuations escaped);
 * Yarn 2 as an object literal in `return hydrateRuntimeState({…}, …)`; `.pnp.data.json` is the
 * JSON itself.
 */
function runtimeStateText(text: string, path: string): string | undefined {
  if (path.endsWith('.json')) return text;
  const raw = /\bRAW_RUNTIME_STATE\s*=\s*'/.exec(text);
  if (raw) {
    const start = raw.index + raw[0].length;
    for (let i = start; i < text.length; i++) {
      if (text[i] === '\\') i++;
      // The first unescaped quote ends the literal; undo Yarn's escaping to get the JSON back.
      else if (text[i] === "'")
        return text
          .slice(start, i)
          .replace(/\\(\r?\n|[\s\S])/g, (_, c: string) => (c.endsWith('\n') ? '\n' : c));
    }
    return undefined;
  }
  const inline = /\breturn hydrateRuntimeState\(\s*\{/.exec(text);
  if (inline) {
    const start = inline.index + inline[0].length - 1;
    const end = endOfJsonObject(text, start);
    return end < 0 ? undefined : text.slice(start, end);
  }
  return undefined;
}

/** Index just past the JSON object starting at `start`, or -1 when the text ends first. */
function endOfJsonObject(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

type Store = Map<string | null, { location: string; dependencies: unknown[] }>;

/**
 * Reads a Yarn Plug'n'Play file: which zip archives its package registry points into, and what
 * each workspace (`dependencyTreeRoots`, else the top-level locator) depends on. Locations are
 * relative to the file's folder (Yarn's `basePath`). PnP writes no dev marker; the workspace's
 * `package.json` names the dev dependencies.
 */
export function parsePnpManifest(text: string, path: string): PnpManifest {
  const base = dirname(path);
  const split = /\bdataLocation\s*=\s*path\.resolve\(\s*__dirname\s*,\s*("(?:[^"\\]|\\.)*")\s*\)/.exec(text);
  const stateText = runtimeStateText(text, path);
  if (stateText === undefined) {
    if (split) {
      const dataFile = joinPath(base, JSON.parse(split[1]) as string);
      if (dataFile !== undefined) return { complete: true, dataFile, archives: [], workspaces: [] };
    }
    return INCOMPLETE;
  }
  let state: unknown;
  try {
    state = JSON.parse(stateText);
  } catch {
    return INCOMPLETE;
  }
  if (!isRecord(state) || !Array.isArray(state.packageRegistryData)) return INCOMPLETE;

  const registry = new Map<string | null, Store>();
  const archives = new Set<string>();
  for (const item of state.packageRegistryData) {
    if (!Array.isArray(item) || !(typeof item[0] === 'string' || item[0] === null) || !Array.isArray(item[1]))
      continue;
    const store: Store = new Map();
    registry.set(item[0], store);
    for (const entry of item[1] as unknown[]) {
      if (
        !Array.isArray(entry) ||
        !(typeof entry[0] === 'string' || entry[0] === null) ||
        !isRecord(entry[1])
      )
        continue;
      const info = entry[1];
      if (typeof info.packageLocation !== 'string') continue;
      const joined = joinPath(base, info.packageLocation);
      const location = joined === undefined ? undefined : resolveVirtual(joined);
      if (location === undefined) continue;
      const archive = archiveOf(location);
      if (archive !== undefined) archives.add(archive);
      store.set(entry[0], {
        location,
        dependencies: Array.isArray(info.packageDependencies) ? info.packageDependencies : [],
      });
    }
  }

  const roots: Array<[string | null, string | null]> = [];
  if (Array.isArray(state.dependencyTreeRoots)) {
    for (const root of state.dependencyTreeRoots) {
      if (isRecord(root) && typeof root.name === 'string' && typeof root.reference === 'string') {
        roots.push([root.name, root.reference]);
      }
    }
  }
  if (roots.length === 0) roots.push([null, null]);
  const workspaces: PnpWorkspace[] = [];
  const seen = new Set<string>();
  for (const [name, reference] of roots) {
    const info = registry.get(name)?.get(reference);
    if (!info || seen.has(info.location)) continue;
    seen.add(info.location);
    const dependencies: Record<string, PnpLocator> = {};
    for (const dependency of info.dependencies) {
      if (!Array.isArray(dependency) || typeof dependency[0] !== 'string') continue;
      const target: unknown = dependency[1];
      // `[alias, reference]` for aliased packages (`"x": "npm:y@1"`); null for a missing peer.
      const [packageName, packageReference] = Array.isArray(target)
        ? [target[0], target[1]]
        : [dependency[0], target];
      if (typeof packageName !== 'string' || typeof packageReference !== 'string') continue;
      // Yarn lists each package as a dependency of itself.
      if (packageName === name && packageReference === reference) continue;
      const located = registry.get(packageName)?.get(packageReference);
      if (!located) continue;
      Object.defineProperty(dependencies, dependency[0], {
        value: { reference: packageReference, location: located.location },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    workspaces.push({ location: info.location, dependencies });
  }
  return { complete: true, archives: [...archives].sort(), workspaces };
}
