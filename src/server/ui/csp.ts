// One hash rule for the report's inline blocks and the web view's own stylesheet.
export { cspHash } from '../../report/html/content-security-policy.js';

/**
 * What every page of the web view allows: nothing by default, forms to this origin only, never
 * framed. Inline style and script only by hash; no page of its own has a script.
 */
const BASE: ReadonlyArray<[string, string[]]> = [
  ['default-src', ["'none'"]],
  ['base-uri', ["'none'"]],
  ['form-action', ["'self'"]],
  ['frame-ancestors', ["'none'"]],
];

/** Directives from a policy string, in order (later duplicates are ignored, as browsers do). */
function parse(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name || directives.has(name.toLowerCase())) continue;
    directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/**
 * `policy` (the report renderer's, or empty) with the web view's rules on top: `default-src
 * 'none'`, `base-uri 'none'`, `form-action 'self'` and `frame-ancestors 'none'` whatever it said,
 * and `styleHashes` added to `style-src`. Only hashes are added, so nothing inline runs unless
 * its exact text was hashed.
 */
export function pageCsp(options: { policy?: string; styleHashes?: readonly string[] } = {}): string {
  const directives = parse(options.policy ?? '');
  for (const [name, sources] of BASE) directives.set(name, sources);
  if (options.styleHashes && options.styleHashes.length > 0) {
    const style = (directives.get('style-src') ?? []).filter((s) => s !== "'none'");
    directives.set('style-src', [...new Set([...style, ...options.styleHashes])]);
  }
  return [...directives].map(([name, sources]) => [name, ...sources].join(' ')).join('; ');
}
