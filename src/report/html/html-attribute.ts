import { escapeText } from '../../escape-text.js';

const ATTRIBUTE_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * A string as the value of a quoted attribute (`title="…"`, `data-text="…"`): both quotes encoded,
 * so it cannot close the value whichever quote the markup uses. Never for URL-valued attributes
 * (href, src): an escaped `javascript:` is still a URL, so image strings are not put in those.
 */
export function escapeHtmlAttribute(text: string): string {
  return escapeText(text).replace(/[&<>"']/g, (ch) => ATTRIBUTE_ENTITIES[ch]);
}
