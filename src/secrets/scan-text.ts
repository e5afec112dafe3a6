import { isAllowedValue, isCodeIdentifier, isReference } from './allow-rules.js';
import { keywordMatcher } from './keyword-filter.js';
import type { KeywordMatcher } from './keyword-matcher.js';
import { SECRET_RULES, type SecretRule } from './rules.js';
import { shannonEntropy } from './shannon-entropy.js';

/** One secret found in a text. Held in memory only: callers redact it before storing anything. */
export interface TextMatch {
  rule: SecretRule;
  /** The secret itself. Never store or print it: see redact.ts. */
  value: string;
  /** The name it was assigned to, where the rule captures one. */
  key?: string;
  /** 1-based line of the match's start. */
  line: number;
  /** Byte offsets of the whole match in the text. */
  start: number;
  end: number;
}

/** The rules that run over file contents and config strings. */
export const TEXT_RULES: readonly SecretRule[] = SECRET_RULES.filter((r) => (r.scope ?? 'text') === 'text');
/** The rules that run over `NAME=value` pairs (ENV, labels, build arguments). */
export const VARIABLE_RULES: readonly SecretRule[] = SECRET_RULES.filter((r) => r.scope === 'variable');

/**
 * Single-line rules run on the line around a keyword hit, cut to this many bytes either side
 * (minified files have megabyte lines); a match touching a cut edge is dropped, not truncated.
 */
const WINDOW = 1024;
const NEWLINE = 0x0a;

interface CompiledRules {
  rules: readonly SecretRule[];
  matcher: KeywordMatcher;
  /** Keyword index → indexes of the rules it gates. */
  rulesOfKeyword: number[][];
}

const compiled = new WeakMap<readonly SecretRule[], CompiledRules>();

function compile(rules: readonly SecretRule[]): CompiledRules {
  let result = compiled.get(rules);
  if (result) return result;
  const keywords: string[] = [];
  const rulesOfKeyword: number[][] = [];
  rules.forEach((rule, r) => {
    for (const keyword of rule.keywords) {
      const lower = keyword.toLowerCase();
      let k = keywords.indexOf(lower);
      if (k < 0) {
        k = keywords.push(lower) - 1;
        rulesOfKeyword.push([]);
      }
      if (!rulesOfKeyword[k].includes(r)) rulesOfKeyword[k].push(r);
    }
  });
  result = { rules, matcher: keywordMatcher(keywords), rulesOfKeyword };
  compiled.set(rules, result);
  return result;
}

/** Whether `value` passes `rule`'s own conditions and no allow rule. */
export function acceptValue(rule: SecretRule, value: string): boolean {
  if (isAllowedValue(value)) return false;
  if (rule.mixedCharacters && !(/[0-9]/.test(value) && /[A-Za-z]/.test(value))) return false;
  if (rule.freeForm && isReference(value)) return false;
  // Variables hold values, not code: `correct-horse-battery-staple` is a password there.
  if (rule.freeForm && rule.scope !== 'variable' && isCodeIdentifier(value)) return false;
  if (rule.minEntropy !== undefined && shannonEntropy(value) < rule.minEntropy) return false;
  return true;
}

interface Candidate {
  ruleIndex: number;
  value: string;
  key?: string;
  start: number;
  end: number;
}

/**
 * Scans bytes (read as latin1: secrets are ASCII, and line numbers stay byte-exact) with a
 * keyword prefilter: one pass (keyword-filter.ts) finds every rule keyword; only rules whose keyword
 * occurs run their regex, and single-line rules only on the lines around the hits. Overlapping
 * matches keep the earlier rule of the list; a value is reported once per text.
 */
export function scanText(content: Uint8Array, rules: readonly SecretRule[] = TEXT_RULES): TextMatch[] {
  const { matcher, rulesOfKeyword } = compile(rules);
  const bytes = Buffer.isBuffer(content)
    ? content
    : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const candidates: Candidate[] = [];
  const wholeText = new Set<number>();
  const coveredUntil = new Int32Array(rules.length).fill(-1);
  let windowKey = -1;
  let windowEndKey = -1;
  let windowText = '';

  const runRule = (ruleIndex: number, text: string, offset: number, cutLeft: boolean, cutRight: boolean) => {
    const rule = rules[ruleIndex];
    const regex = rule.regex;
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      if (m[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      if ((cutLeft && m.index === 0) || (cutRight && m.index + m[0].length === text.length)) continue;
      const value = m.groups?.secret;
      if (value === undefined) continue;
      const key = m.groups?.key;
      candidates.push({
        ruleIndex,
        value,
        ...(key !== undefined ? { key } : {}),
        start: offset + m.index,
        end: offset + m.index + m[0].length,
      });
    }
  };

  matcher.scan(bytes, (keyword, end) => {
    for (const ruleIndex of rulesOfKeyword[keyword]) {
      const rule = rules[ruleIndex];
      if (rule.multiline) {
        wholeText.add(ruleIndex);
        continue;
      }
      if (coveredUntil[ruleIndex] >= end) continue;
      const before = rule.before ?? WINDOW;
      const after = rule.after ?? WINDOW;
      const lineStart = lastNewline(bytes, end - 1, end - 1 - before) + 1;
      const lineEnd = nextNewline(bytes, end, end + after);
      const from = Math.max(lineStart, end - before);
      const to = Math.min(lineEnd, end + after);
      if (from !== windowKey || to !== windowEndKey) {
        windowKey = from;
        windowEndKey = to;
        windowText = bytes.toString('latin1', from, to);
      }
      // Hits up to here were looked at with enough context after them; later ones get their own window.
      coveredUntil[ruleIndex] = to - after / 2;
      if (rule.requires !== undefined && !windowText.includes(rule.requires)) continue;
      runRule(ruleIndex, windowText, from, from > lineStart, to < lineEnd);
    }
  });

  if (wholeText.size > 0) {
    const text = bytes.toString('latin1');
    for (const ruleIndex of [...wholeText].sort((a, b) => a - b)) {
      const context = rules[ruleIndex].context;
      if (context && !context.test(text)) continue;
      runRule(ruleIndex, text, 0, false, false);
    }
  }
  if (candidates.length === 0) return [];
  return settle(bytes, rules, candidates);
}

/** Offset of the last newline in [floor, from], or floor - 1 when there is none (then the line may start earlier). */
function lastNewline(bytes: Buffer, from: number, floor: number): number {
  const stop = Math.max(0, floor);
  for (let i = from; i >= stop; i--) if (bytes[i] === NEWLINE) return i;
  return stop === 0 ? -1 : stop - 1;
}

/** Offset of the first newline in [from, limit], or the end of the text (or past limit) when there is none. */
function nextNewline(bytes: Buffer, from: number, limit: number): number {
  const stop = Math.min(bytes.length, limit);
  for (let i = from; i <= stop && i < bytes.length; i++) if (bytes[i] === NEWLINE) return i;
  return stop === bytes.length ? stop : stop + 1;
}

function compact(value: string): string {
  return value.replace(/\\[nr]|\s+/g, '');
}

function settle(bytes: Buffer, rules: readonly SecretRule[], candidates: Candidate[]): TextMatch[] {
  candidates.sort((a, b) => a.ruleIndex - b.ruleIndex || a.start - b.start);
  const accepted: Candidate[] = [];
  const values = new Set<string>();
  for (const candidate of candidates) {
    const rule = rules[candidate.ruleIndex];
    const value = rule.compactValue ? compact(candidate.value) : candidate.value;
    if (values.has(value)) continue;
    if (accepted.some((a) => a.start < candidate.end && candidate.start < a.end)) continue;
    if (!acceptValue(rule, value)) continue;
    values.add(value);
    accepted.push({ ...candidate, value });
  }
  accepted.sort((a, b) => a.start - b.start);
  const matches: TextMatch[] = [];
  let line = 1;
  let position = 0;
  for (const match of accepted) {
    for (
      let nl = bytes.indexOf(NEWLINE, position);
      nl >= 0 && nl < match.start;
      nl = bytes.indexOf(NEWLINE, nl + 1)
    ) {
      line++;
      position = nl + 1;
    }
    matches.push({
      rule: rules[match.ruleIndex],
      value: match.value,
      ...(match.key !== undefined ? { key: match.key } : {}),
      line,
      start: match.start,
      end: match.end,
    });
  }
  return matches;
}

/**
 * Scans one `NAME=value` pair (an ENV entry, a label, a build argument): the value by every text
 * rule, then, when none matched, the pair by the name rules (`PASSWORD=…`, `NPM_TOKEN=…`).
 */
export function scanVariable(name: string, value: string): TextMatch[] {
  const byValue = scanText(Buffer.from(value, 'utf8')).map((m) => ({ ...m, key: m.key ?? name }));
  if (byValue.length > 0) return byValue;
  return scanText(Buffer.from(`${name}=${value}`, 'utf8'), VARIABLE_RULES);
}
