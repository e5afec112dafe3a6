// The web view builds its pages with the report's escaping template: one `html` tag, one set of
// entities, one rule for control and bidi characters (src/report/html).
export { escapeHtmlAttribute as escapeHtml } from '../../report/html/html-attribute.js';
export { html, SafeHtml as Html, trusted as raw } from '../../report/html/safe-html.js';
export { tableHead } from '../../report/html/table-head.js';

/**
 * A same-origin link: `path` is a constant of this folder, `query`'s values are percent-encoded
 * (so a repository name cannot add a parameter) and the whole is escaped by `html` where it is used.
 */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const pairs = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (pairs.length === 0) return path;
  return `${path}?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}
