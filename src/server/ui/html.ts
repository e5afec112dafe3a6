import { escapeText } from '../../escape-text.js';

/**
 * HTML built from strings, escaped by construction: `html` escapes every interpolated value unless
 * it is already `Html` (built by `html` itself, or `raw` for the few constants that are markup).
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * Text for HTML element content and quoted attribute values: `& < > " '` as entities, after the
 * control and bidi characters `escapeText` makes visible (a repository or audit detail cannot
 * reorder what a reader sees, any more than on a terminal).
 */
export function escapeHtml(value: string): string {
  return escapeText(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Markup that is already safe (constants of this folder). */
export function raw(markup: string): Html {
  return new Html(markup);
}

type Value = Html | string | number | undefined | null | false | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return (value as readonly Value[]).map(render).join('');
  return escapeHtml(String(value as string | number));
}

/** Tagged template: every `${value}` escaped for text or a quoted attribute; `Html` kept as it is. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  values.forEach((value, i) => (out += render(value) + strings[i + 1]));
  return new Html(out);
}

/**
 * A same-origin link: `path` is a constant of this folder, `query`'s values are percent-encoded
 * (so a repository name cannot add a parameter) and the whole is escaped by `html` where it is used.
 */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const pairs = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (pairs.length === 0) return path;
  return `${path}?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}
