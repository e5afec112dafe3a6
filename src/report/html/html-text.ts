import { escapeText } from '../../escape-text.js';

const TEXT_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * A string from an image (or a user) as HTML text content: markup characters as entities, and the
 * controls `escapeText` shows as visible escapes (a bidi override cannot make a path read as
 * another, a newline cannot fake a line of its own in `<pre>`-like cells).
 */
export function escapeHtmlText(text: string): string {
  return escapeText(text).replace(/[&<>]/g, (ch) => TEXT_ENTITIES[ch]);
}
