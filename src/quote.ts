import { escapeText } from './escape-text.js';

const DEFAULT_MAX = 80;

/**
 * Payload text quoted for an error message or log line: truncated, and every character outside
 * printable ASCII escaped, so a sender can neither forge log lines, smuggle terminal escapes or
 * bidi overrides, nor make us echo a large body back. Quotes and backslashes are escaped first, so
 * the quoted text is unambiguous; controls are shown as everywhere else (`escapeText`), and the
 * remaining non-ASCII as `\uXXXX` (a payload never needs it to be read). Non-strings are described
 * by type only.
 */
export function quote(value: unknown, max = DEFAULT_MAX): string {
  if (typeof value !== 'string') return describeType(value);
  const cut = value.length > max ? value.slice(0, max) : value;
  const escaped = escapeText(cut.replace(/["\\]/g, '\\$&')).replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"${value.length > max ? '…' : ''}`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    case 'undefined':
      return 'missing';
    default:
      return typeof value;
  }
}
