import { SECRET_RULES, type SecretRule } from './rules.js';
import { scanText, type TextMatch } from './scan-text.js';
import { tokenRuns, type TokenRuns } from './token-runs.js';

/** A token-boundary assertion at the very start or end of a rule's regex source. */
const LEADING_BOUNDARY = /^\(\?<!\[[^\]]*\]\)/;
const TRAILING_BOUNDARY = /\(\?!\[[^\]]*\]\)$/;

/**
 * The rule as it runs over binaries: its leading and trailing boundary assertions removed. Go and
 * C compilers pack string literals back to back (Go's `go:string.*` data has no separator), so
 * a key is often glued to its neighbours; a fixed-length token is then still cut right, a
 * variable-length one may take its neighbour's characters along (found, with a longer value).
 */
function relaxed(rule: SecretRule): SecretRule {
  const source = rule.regex.source.replace(LEADING_BOUNDARY, '').replace(TRAILING_BOUNDARY, '');
  return source === rule.regex.source ? rule : { ...rule, regex: new RegExp(source, rule.regex.flags) };
}

/** The rules marked `binary: true`, in their priority order, as they run over binaries. */
export const BINARY_RULES: readonly SecretRule[] = SECRET_RULES.filter((rule) => rule.binary).map(relaxed);

/**
 * Characters a binary rule's match is made of (token alphabets, base64, the webhook URL's host
 * and path). Every binary rule matches a run of at least `MIN_RUN` of them: the shortest is a
 * Slack token (`xoxb-` and 10 more).
 */
const TOKEN = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./+=')
  TOKEN[c.charCodeAt(0)] = 1;
export const MIN_RUN = 15;
/**
 * Bytes kept around a run: a PEM body's runs need their BEGIN line and encrypted-key headers
 * (`Proc-Type:`, `DEK-Info:`) before them and the END line after.
 */
const MARGIN = 160;

/** WebAssembly SIMD run finder; null where the runtime has no WebAssembly. */
const simdRuns = tokenRuns(TOKEN) ?? null;

/**
 * Where in `bytes` a binary rule can match: runs of at least `MIN_RUN` token characters, widened
 * by `MARGIN` and merged. With WebAssembly, TokenRuns (token-runs.ts) finds the runs 16 bytes at a
 * time; without (or given `runs` null, as tests do), `sampledRuns` does.
 */
export function binaryRegions(bytes: Uint8Array, runs: TokenRuns | null = simdRuns): Array<[number, number]> {
  const regions: Array<[number, number]> = [];
  const n = bytes.length;
  const onRun = (start: number, end: number): void => {
    const from = Math.max(0, start - MARGIN);
    const to = Math.min(n, end + MARGIN);
    const last = regions[regions.length - 1];
    if (last !== undefined && from <= last[1]) last[1] = to;
    else regions.push([from, to]);
  };
  if (runs !== null) runs.scan(bytes, MIN_RUN, onRun);
  else sampledRuns(bytes, onRun);
  return regions;
}

/**
 * Every maximal run of at least `MIN_RUN` token characters, in order. Looks at every `MIN_RUN`-th
 * byte only (a run that long must contain one of them) and walks outwards from the token
 * characters it lands on, so machine code and data, where long runs are rare, cost a fraction of
 * a full pass.
 */
function sampledRuns(bytes: Uint8Array, onRun: (start: number, end: number) => void): void {
  const n = bytes.length;
  let i = MIN_RUN - 1;
  while (i < n) {
    if (TOKEN[bytes[i]] === 0) {
      i += MIN_RUN;
      continue;
    }
    let start = i;
    while (start > 0 && TOKEN[bytes[start - 1]] === 1) start--;
    let end = i + 1;
    while (end < n && TOKEN[bytes[end]] === 1) end++;
    if (end - start >= MIN_RUN) onRun(start, end);
    i = end + MIN_RUN;
  }
}

/**
 * Scans binary content with the binary rules only, on the regions `binaryRegions` finds. Matches
 * carry byte offsets into `bytes` (their `line` means nothing in a binary and is 0); a value is
 * reported once.
 */
export function scanBinary(bytes: Buffer): TextMatch[] {
  const out: TextMatch[] = [];
  let seen: Set<string> | undefined;
  for (const [from, to] of binaryRegions(bytes)) {
    for (const match of scanText(bytes.subarray(from, to), BINARY_RULES)) {
      seen ??= new Set();
      if (seen.has(match.value)) continue;
      seen.add(match.value);
      out.push({ ...match, line: 0, start: from + match.start, end: from + match.end });
    }
  }
  return out;
}
