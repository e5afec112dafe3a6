import { html, type SafeHtml } from './safe-html.js';

/**
 * A remedy's Markdown (ours, from the check definitions) as HTML: paragraphs and inline code,
 * the only Markdown remedies use; everything else stays text, escaped like any other string.
 */
export function remedyHtml(markdown: string): SafeHtml {
  const paragraphs = markdown
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter((p) => p !== '');
  return html`${paragraphs.map((p) => html`<p>${inlineCode(p)}</p>`)}`;
}

function inlineCode(text: string): SafeHtml {
  const parts = text.split(/`([^`]+)`/);
  return html`${parts.map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}
