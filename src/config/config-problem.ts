import { basename } from 'node:path';
import type { Document, LineCounter, Node } from 'yaml';
import { formatKeyPath, locate, position, type KeyPath } from '../policy/yaml-positions.js';

/**
 * One thing wrong with a configuration: where (a key path through the document) and what.
 * Messages never quote the value found there: it may be a secret taken from the environment.
 */
export interface ConfigProblem {
  path: KeyPath;
  message: string;
}

/** Where the document came from, so a problem can say which line or variable to fix. */
export interface ProblemOrigins {
  /** The YAML file, when the document came from one. */
  file?: string;
  doc?: Document;
  lineCounter?: LineCounter;
  /** JSON Pointer of each value an environment variable set → the variable's name. */
  envOrigins: ReadonlyMap<string, string>;
}

/** The JSON Pointer ajv reports for a key path (`/registries/1/url`). */
export function toPointer(path: KeyPath): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** `registries[1].url`, or `(root)` for the document itself. */
export function formatConfigPath(path: KeyPath): string {
  return path.length === 0 ? '(root)' : formatKeyPath(path);
}

/** True when `path` is `prefix` or lies under it. */
export function isWithin(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]));
}

function envOrigin(path: KeyPath, origins: ReadonlyMap<string, string>): string | undefined {
  for (let length = path.length; length >= 1; length--) {
    const variable = origins.get(toPointer(path.slice(0, length)));
    if (variable !== undefined) return variable;
  }
  return undefined;
}

/** Offset in the YAML source of the node a path points at (its parent mapping for a missing key). */
export function sourceOffset(path: KeyPath, origins: Omit<ProblemOrigins, 'envOrigins'>): number | undefined {
  if (!origins.doc) return undefined;
  const found = locate(origins.doc.contents as Node | null, path);
  // A section missing from the file has no better place than line 1: say nothing rather than that.
  if (found.reached.length === 0 && path.length > 0) return undefined;
  const node = found.reached.length === path.length ? (found.key ?? found.value) : found.value;
  return node?.range?.[0];
}

function fileLocation(path: KeyPath, origins: ProblemOrigins): string | undefined {
  if (!origins.file || !origins.lineCounter) return undefined;
  const offset = sourceOffset(path, origins);
  if (offset === undefined) return undefined;
  const { line, column } = position(origins.lineCounter, offset);
  return `${basename(origins.file)}:${line}:${column}`;
}

/** `registries[1].url: must be … (pushgate.yaml:7:10)` or `server.port: … (from PUSHGATE_PORT)`. */
export function formatConfigProblem(problem: ConfigProblem, origins: ProblemOrigins): string {
  const variable = envOrigin(problem.path, origins.envOrigins);
  const where = variable !== undefined ? `from ${variable}` : fileLocation(problem.path, origins);
  return `${formatConfigPath(problem.path)}: ${problem.message}${where !== undefined ? ` (${where})` : ''}`;
}
