import type { Evidence } from '../../facts/evidence.js';
import { layerAnchor } from './layers-section.js';
import { html, type SafeHtml } from './safe-html.js';

/** How many pieces of evidence a finding shows; the JSON report has them all. */
export const EVIDENCE_SHOWN = 10;

/**
 * A finding's evidence: the path (and package), the layer that wrote it linked to its row in the
 * layer table, and whether a later layer deleted or replaced it.
 */
export function evidenceList(idPrefix: string, evidence: readonly Evidence[]): SafeHtml {
  const shown = evidence.slice(0, EVIDENCE_SHOWN);
  const more = evidence.length - shown.length;
  return html`<ul class="evidence">
    ${shown.map((e) => evidenceItem(idPrefix, e))}${
      more > 0 ? html`<li class="muted">… and ${more} more (in the JSON report)</li>` : ''
    }
  </ul>`;
}

function evidenceItem(idPrefix: string, e: Evidence): SafeHtml {
  const where =
    e.layer === undefined
      ? html`<span class="muted">${e.kind}</span>`
      : html`<a href="#${layerAnchor(idPrefix, e.layer)}">layer ${e.layer}</a>`;
  const fate =
    e.state === 'present'
      ? ''
      : html` <span class="fate"
          >${e.state} by
          ${
            e.byLayer === undefined
              ? 'a later layer'
              : html`<a href="#${layerAnchor(idPrefix, e.byLayer)}">layer ${e.byLayer}</a>`
          }</span
        >`;
  return html`<li>
    <code>${e.path}</code>${e.package ? html` (package <code>${e.package}</code>)` : ''} —
    ${where}${fate}${e.detail ? html`: ${e.detail}` : ''}
  </li>`;
}
