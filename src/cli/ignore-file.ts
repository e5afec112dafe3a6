import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Yaml from 'yaml';
import type { Node } from 'yaml';
import { PushgateError } from '../errors.js';
import { didYouMean } from '../policy/did-you-mean.js';
import { isWaiverExpired } from '../policy/apply-waivers.js';
import type { AcceptEntry } from '../report/accept-findings.js';

/** The ignore file `scan` loads from the working directory when no `--ignorefile` is given. */
export const DEFAULT_IGNORE_FILE = '.pushgateignore';

const KEYS = ['check', 'path', 'fingerprint', 'reason', 'expires'] as const;

export interface IgnoreFile {
  file: string;
  /** Entries that apply today. */
  entries: AcceptEntry[];
  /** Entries past their `expires` date: they no longer apply, and scan says so. */
  expired: AcceptEntry[];
}

/**
 * Reads `--ignorefile PATH` (which must exist) or `./.pushgateignore` (when it exists). The file
 * is a YAML list of entries `{ check, path?, fingerprint?, reason, expires? }`; every problem is
 * reported as `file:line:col: …` in one CONFIG_INVALID error (exit 2), before the image is read.
 */
export async function loadIgnoreFile(
  explicit: string | undefined,
  cwd: string,
  knownChecks: readonly string[],
  now: Date,
): Promise<IgnoreFile | undefined> {
  const file = explicit ?? join(cwd, DEFAULT_IGNORE_FILE);
  if (explicit === undefined && !existsSync(file)) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PushgateError('USAGE', `cannot read the ignore file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const shown = explicit ?? DEFAULT_IGNORE_FILE;
  // The YAML parser loads only when there is a file: most scans have none.
  const yaml = await import('yaml');
  const { isSeq, LineCounter, parseDocument } = yaml;
  const lines = new LineCounter();
  // failsafe: every scalar is a string, so a fingerprint of digits or a date stays as written.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, schema: 'failsafe' });
  const problems: string[] = [];
  const at = (node: Node | null | undefined, message: string): void => {
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    problems.push(`${shown}:${pos.line}:${pos.col}: ${message}`);
  };
  for (const error of doc.errors) {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
    problems.push(`${shown}:${pos.line}:${pos.col}: YAML syntax error: ${error.message.split('\n')[0]}`);
  }
  const entries: AcceptEntry[] = [];
  const expired: AcceptEntry[] = [];
  const root = doc.contents as Node | null;
  if (problems.length === 0 && root !== null && !isSeq(root))
    at(
      root,
      'expected a list of entries (`- check: ID` with reason, and optionally path, fingerprint, expires)',
    );
  if (problems.length === 0 && isSeq(root)) {
    for (const item of root.items as Array<Node | null>) {
      const entry = readEntry(item, at, knownChecks, yaml);
      if (!entry) continue;
      const line = lines.linePos(item?.range?.[0] ?? 0).line;
      const full: AcceptEntry = { ...entry, source: `${shown}:${line}` };
      (entry.expires !== undefined && isWaiverExpired({ expires: entry.expires }, now)
        ? expired
        : entries
      ).push(full);
    }
  }
  if (problems.length > 0)
    throw new PushgateError('CONFIG_INVALID', `the ignore file ${shown} has errors:\n${problems.join('\n')}`);
  return { file: shown, entries, expired };
}

function readEntry(
  item: Node | null,
  at: (node: Node | null | undefined, message: string) => void,
  knownChecks: readonly string[],
  { isMap, isScalar }: Pick<typeof Yaml, 'isMap' | 'isScalar'>,
): Omit<AcceptEntry, 'source'> | undefined {
  if (!isMap(item)) {
    at(item, 'an entry must be a mapping with check and reason');
    return undefined;
  }
  const values: Partial<Record<(typeof KEYS)[number], string>> = {};
  let ok = true;
  for (const pair of item.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    if (!(KEYS as readonly string[]).includes(key)) {
      const hint = didYouMean(key, KEYS);
      at(
        keyNode,
        `unknown key '${key}'${hint ? `; did you mean '${hint}'?` : ''} (keys: ${KEYS.join(', ')})`,
      );
      ok = false;
      continue;
    }
    const valueNode = pair.value as Node | null;
    const value: unknown = isScalar(valueNode) ? valueNode.value : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      at(valueNode ?? keyNode, `'${key}' must be a non-empty string`);
      ok = false;
      continue;
    }
    values[key as (typeof KEYS)[number]] = value;
  }
  if (values.check === undefined && ok) {
    at(item, "an entry needs 'check' (a check id from `pushgate checks`)");
    ok = false;
  }
  if (values.reason === undefined && ok) {
    at(item, "an entry needs 'reason' (why the finding is accepted)");
    ok = false;
  }
  const node = (key: string): Node | null | undefined =>
    item.items.find((p) => isScalar(p.key) && p.key.value === key)?.value as Node | null | undefined;
  if (values.check !== undefined && !knownChecks.includes(values.check)) {
    const hint = didYouMean(values.check, knownChecks);
    at(node('check'), `unknown check '${values.check}'${hint ? `; did you mean '${hint}'?` : ''}`);
    ok = false;
  }
  if (values.expires !== undefined && !isDate(values.expires)) {
    at(node('expires'), `'expires' must be a date YYYY-MM-DD, got '${values.expires}'`);
    ok = false;
  }
  if (!ok || values.check === undefined || values.reason === undefined) return undefined;
  return {
    check: values.check,
    reason: values.reason,
    ...(values.path !== undefined ? { path: values.path } : {}),
    ...(values.fingerprint !== undefined ? { fingerprint: values.fingerprint } : {}),
    ...(values.expires !== undefined ? { expires: values.expires } : {}),
  };
}

function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(text);
}
