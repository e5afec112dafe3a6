import { isRecord } from '../is-record.js';
/** Evidence items a violation reports; the rest are only counted for waivers. */
export const MAX_EVIDENCE = 20;
/** Bound on the evidence paths gathered for waiver matching: the facts are finite, but be safe. */
const MAX_EVIDENCE_PATHS = 10_000;

export interface CollectedEvidence {
  /** Up to {@link MAX_EVIDENCE} evidence objects, as they are in the facts. */
  items: unknown[];
  /** The `path` of every evidence object found (bounded), for waivers' `paths`. */
  paths: string[];
}

function resolvePointer(
  root: unknown,
  pointer: string,
): { found: boolean; node: unknown; ancestors: unknown[] } {
  const ancestors: unknown[] = [];
  let node = root;
  if (pointer === '') return { found: true, node, ancestors };
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key))
      return { found: false, node, ancestors };
    ancestors.push(node);
    node = (node as Record<string, unknown>)[key];
  }
  return { found: true, node, ancestors };
}

function add(out: CollectedEvidence, value: unknown): void {
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!isRecord(item)) continue;
    if (out.items.length < MAX_EVIDENCE) out.items.push(item);
    if (typeof item.path === 'string' && out.paths.length < MAX_EVIDENCE_PATHS) out.paths.push(item.path);
  }
}

function walk(node: unknown, out: CollectedEvidence, isEvidence: boolean): void {
  if (isEvidence) {
    add(out, node);
    return;
  }
  if (Array.isArray(node)) {
    for (const child of node) walk(child, out, false);
  } else if (isRecord(node)) {
    for (const [key, child] of Object.entries(node)) walk(child, out, key === 'evidence');
  }
}

/**
 * The `evidence` arrays and objects at or under `instancePath` (a JSON Pointer as ajv reports it)
 * in the facts. When there are none there (a rule about `/user/uid`), the nearest ancestor's own
 * `evidence` is used, so a violation about a scalar still says where the value came from.
 */
export function collectEvidence(facts: unknown, instancePath: string): CollectedEvidence {
  const out: CollectedEvidence = { items: [], paths: [] };
  const { found, node, ancestors } = resolvePointer(facts, instancePath);
  if (!found) return out;
  walk(node, out, /\/evidence(\/\d+)?$/.test(instancePath));
  for (let i = ancestors.length - 1; out.items.length === 0 && i >= 0; i -= 1) {
    const ancestor = ancestors[i];
    if (isRecord(ancestor) && ancestor.evidence !== undefined) add(out, ancestor.evidence);
  }
  return out;
}
