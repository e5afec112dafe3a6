import { formatBytes } from '../../format-bytes.js';
import { html, type Html } from './html.js';

/** A decision as a word with a class for its colour (the word carries the meaning, not the colour). */
export function decisionBadge(decision: string): Html {
  const known = /^[a-z]{1,16}$/.test(decision) ? decision : 'unknown';
  return html`<span class="pg-decision pg-decision-${known}">${decision}</span>`;
}

/** An ISO time as `2025-01-02 03:04 UTC` in a `<time>` element; the text as it is when unparsable. */
export function when(iso: string): Html {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return html`${iso}`;
  const shown = new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
  return html`<time datetime="${new Date(ms).toISOString()}">${shown} UTC</time>`;
}

export function size(bytes: number): string {
  return Number.isFinite(bytes) ? formatBytes(bytes) : '';
}

/** `sha256:0123456789ab…` */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon > 0 && digest.length > colon + 13 ? `${digest.slice(0, colon + 13)}…` : digest;
}

/** The web view's address of one image. */
export function imagePath(image: { registry?: string; repository?: string; digest: string }): string {
  const query = new URLSearchParams();
  if (image.registry !== undefined) query.set('registry', image.registry);
  if (image.repository !== undefined) query.set('repository', image.repository);
  const rest = query.toString();
  // `sha256:…` reads better with its colon, which a path segment may hold.
  const digest = encodeURIComponent(image.digest).replace(/%3A/g, ':');
  return `/ui/images/${digest}${rest ? `?${rest}` : ''}`;
}
