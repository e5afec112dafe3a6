import type { SavingsCategory, SavingsSection } from '../../facts/image-facts.js';
import { formatBytes } from '../../format-bytes.js';
import { html, type SafeHtml } from './safe-html.js';
import { sizeChart } from './size-chart.js';
import { tableHead } from './table-head.js';

/** The categories in attribution order, as the report names them. */
export const SAVINGS_LABELS: Record<SavingsCategory, string> = {
  buildToolchain: 'Compilers and build toolchains',
  devDependencies: 'Dev dependencies',
  packageManagers: 'Package managers',
  cachesAndLeftovers: 'Caches and build leftovers',
  wasted: 'Wasted (deleted or overwritten later)',
  rest: 'The rest (what a runtime needs)',
};

const ORDER = Object.keys(SAVINGS_LABELS) as SavingsCategory[];

const CATEGORIES_HEAD = tableHead(
  'Category',
  { label: 'Bytes', className: 'num' },
  { label: 'Share', className: 'num' },
  { label: 'Files', className: 'num' },
);
const TOP_HEAD = tableHead(
  'Category',
  'What',
  { label: 'Bytes', className: 'num' },
  { label: 'Files', className: 'num' },
);

function percent(part: number, whole: number): string {
  return whole === 0 ? '0 %' : `${((part / whole) * 100).toFixed(1)} %`;
}

/** "What a multi-stage build would save": the categories as a picture and a table, and the largest contributors. */
export function savingsSection(idPrefix: string, savings: SavingsSection): SafeHtml {
  const chart = sizeChart(
    `${idPrefix}-savings-chart`,
    'Bytes by what a runtime stage would drop',
    ORDER.map((category) => ({
      label: SAVINGS_LABELS[category],
      bytes: savings.categories[category].bytes,
      className: `seg-${category}`,
    })),
  );
  const ratio = `−${(savings.removableRatio * 100).toFixed(1)} %`;
  return html`<section aria-labelledby="${idPrefix}-savings">
    <h3 id="${idPrefix}-savings">What a multi-stage build would save</h3>
    <p class="savings-estimate">
      A runtime stage without these would be about
      <strong>${formatBytes(savings.runtimeEstimateBytes)}</strong> (${ratio}):
      <strong>${formatBytes(savings.removableBytes)}</strong> of ${formatBytes(savings.totalBytes)} written by
      the layers is removable.
    </p>
    ${chart}
    <table>
      <caption>
        Bytes by category (each byte counted once, in this order)
      </caption>
      ${CATEGORIES_HEAD}
      <tbody>
        ${ORDER.map(
          (category) =>
            html`<tr data-category="${category}">
              <th scope="row">${SAVINGS_LABELS[category]}</th>
              <td class="num">${formatBytes(savings.categories[category].bytes)}</td>
              <td class="num">${percent(savings.categories[category].bytes, savings.totalBytes)}</td>
              <td class="num">${savings.categories[category].files}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      savings.top.length > 0
        ? html`<table>
            <caption>
              Largest contributors
            </caption>
            ${TOP_HEAD}
            <tbody>
              ${savings.top.map(
                (t) =>
                  html`<tr>
                    <td>${SAVINGS_LABELS[t.category] ?? t.category}</td>
                    <td><code>${t.label}</code></td>
                    <td class="num">${formatBytes(t.bytes)}</td>
                    <td class="num">${t.files}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : ''
    }
  </section>`;
}
