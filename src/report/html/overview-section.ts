import type { ImageFacts } from '../../facts/image-facts.js';
import type { ReportFinding } from '../../facts/checks.js';
import { formatBytes } from '../../format-bytes.js';
import { decisionLabel, type ShownDecision } from './decision.js';
import { html, type SafeHtml } from './safe-html.js';

/**
 * The numbers first (decision, layers, findings, size), then what the image runs as. ENV shows
 * names only and labels are left out: values can hold secrets, and the facts keep names for that.
 */
export function overviewSection(
  idPrefix: string,
  facts: ImageFacts,
  findings: readonly ReportFinding[],
  decision: ShownDecision,
): SafeHtml {
  const c = facts.config;
  const t = facts.totals;
  const run = [...(c.entrypoint ?? []), ...(c.cmd ?? [])];
  const health =
    c.healthcheck === null
      ? 'none'
      : c.healthcheck.disabled
        ? 'disabled (NONE)'
        : c.healthcheck.test.join(' ');
  return html`<section aria-labelledby="${idPrefix}-summary">
    <h3 id="${idPrefix}-summary">Summary</h3>
    <dl class="facts summary">
      <dt>Decision</dt>
      <dd>
        <span class="badge decision-${decision}" data-decision="${decision}">${decisionLabel(decision)}</span>
      </dd>
      <dt>Layers</dt>
      <dd data-layer-count="${t.layerCount}">${t.layerCount}</dd>
      <dt>Findings</dt>
      <dd data-finding-count="${findings.length}">${findings.length}</dd>
      <dt>Size</dt>
      <dd>
        ${formatBytes(t.compressedSize)} compressed, ${formatBytes(t.uncompressedSize)} uncompressed,
        ${t.fileCount} files
      </dd>
      <dt>Wasted</dt>
      <dd>${formatBytes(t.wastedBytes)} (written, then deleted or overwritten by a later layer)</dd>
      ${
        facts.savings
          ? html`<dt>Removable</dt>
              <dd>
                ${formatBytes(facts.savings.removableBytes)}
                (${(facts.savings.removableRatio * 100).toFixed(1)} %)
              </dd>`
          : ''
      }
    </dl>
    <dl class="facts">
      <dt>Config</dt>
      <dd><code>${facts.image.configDigest}</code></dd>
      ${
        facts.image.manifestDigest
          ? html`<dt>Manifest</dt>
              <dd><code>${facts.image.manifestDigest}</code></dd>`
          : ''
      }
      ${
        facts.image.created
          ? html`<dt>Created</dt>
              <dd>${facts.image.created}</dd>`
          : ''
      }
      ${
        facts.os
          ? html`<dt>OS</dt>
              <dd>${facts.os.prettyName ?? facts.os.id}</dd>`
          : ''
      }
      <dt>User</dt>
      <dd>
        ${c.user === null ? html`<span class="muted">not set: root</span>` : html`<code>${c.user}</code>`}
      </dd>
      <dt>Runs</dt>
      <dd>${run.length > 0 ? html`<code>${JSON.stringify(run)}</code>` : '-'}</dd>
      ${
        c.workdir
          ? html`<dt>Workdir</dt>
              <dd><code>${c.workdir}</code></dd>`
          : ''
      }
      ${
        c.env.length > 0
          ? html`<dt>Env (names)</dt>
              <dd>${c.env.map((name, i) => html`${i > 0 ? ', ' : ''}<code>${name}</code>`)}</dd>`
          : ''
      }
      ${
        c.exposedPorts.length > 0
          ? html`<dt>Ports</dt>
              <dd>${c.exposedPorts.join(', ')}</dd>`
          : ''
      }
      <dt>Healthcheck</dt>
      <dd>${health}</dd>
    </dl>
  </section>`;
}
