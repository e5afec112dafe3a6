import type { ImageFacts } from '../../facts/image-facts.js';
import { formatBytes } from '../../format-bytes.js';
import { html, type SafeHtml } from './safe-html.js';
import { sizeChart } from './size-chart.js';
import { tableHead } from './table-head.js';

const HEAD = tableHead(
  { label: 'Layer', className: 'num' },
  'Digest',
  { label: 'Compressed', className: 'num' },
  { label: 'Uncompressed', className: 'num' },
  { label: 'Files', className: 'num' },
  { label: 'Added', className: 'num' },
  { label: 'Removed', className: 'num' },
  'Made by',
);

/** The anchor of a layer's row, which evidence links to (numbers only: nothing from the image). */
export function layerAnchor(idPrefix: string, index: number): string {
  return `${idPrefix}-layer-${index}`;
}

/**
 * The layers with their sizes and the history step that made each, a picture of the bytes each
 * one wrote, and the steps that made no layer (ENV, USER, CMD…).
 */
export function layersSection(idPrefix: string, facts: ImageFacts): SafeHtml {
  const stepOf = new Map(
    facts.history.filter((h) => h.layerIndex !== null).map((h) => [h.layerIndex as number, h]),
  );
  const configSteps = facts.history.filter((h) => h.emptyLayer);
  const chart = sizeChart(
    `${idPrefix}-layer-chart`,
    'Bytes written by each layer',
    facts.layers.map((layer) => ({
      label: `Layer ${layer.index}`,
      bytes: layer.bytesAdded,
      className: `seg-${layer.index % 8}`,
    })),
  );
  return html`<section aria-labelledby="${idPrefix}-layers">
    <h3 id="${idPrefix}-layers">Layers (${facts.layers.length})</h3>
    ${chart}
    <table>
      <caption>
        Layers, bottom first, with the history step that made each
      </caption>
      ${HEAD}
      <tbody>
        ${facts.layers.map((layer) => {
          const step = stepOf.get(layer.index);
          const createdBy = step?.createdBy ?? layer.createdBy;
          return html`<tr id="${layerAnchor(idPrefix, layer.index)}">
            <th scope="row" class="num">${layer.index}</th>
            <td><code title="${layer.digest}">${shortDigest(layer.digest)}</code></td>
            <td class="num">${formatBytes(layer.compressedSize)}</td>
            <td class="num">${formatBytes(layer.uncompressedSize)}</td>
            <td class="num">${layer.fileCount}</td>
            <td class="num">${formatBytes(layer.bytesAdded)}</td>
            <td class="num">${formatBytes(layer.bytesRemoved)}</td>
            <td class="step">
              ${createdBy === undefined ? html`<span class="muted">no history step</span>` : html`${step ? html`<span class="muted">history[${step.index}]</span> ` : ''}<code>${createdBy}</code>`}${
                layer.warnings.length > 0
                  ? html`<ul class="evidence">
                      ${layer.warnings.map((w) => html`<li>warning: ${w}</li>`)}
                    </ul>`
                  : ''
              }
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${
      configSteps.length > 0
        ? html`<details>
            <summary>History steps that made no layer (${configSteps.length})</summary>
            <ul class="evidence">
              ${configSteps.map((h) => html`<li><span class="muted">history[${h.index}]</span> <code>${h.createdBy}</code></li>`)}
            </ul>
          </details>`
        : ''
    }
  </section>`;
}

function shortDigest(digest: string): string {
  const [alg, hex] = digest.split(':');
  return hex === undefined ? digest : `${alg}:${hex.slice(0, 12)}`;
}
