import { html, type SafeHtml } from './safe-html.js';

/** A column heading: its text, or its text and a class (`num` right-aligns a column of numbers). */
export type TableColumn = string | { readonly label: string; readonly className: string };

// Prettier would re-indent these two templates; they keep the bytes the HTML report has always
// written (the goldens compare bytes): one heading to a line, under an unindented `<thead>`.
// prettier-ignore
const BETWEEN_HEADINGS = html`
    `;

function heading(column: TableColumn, i: number): SafeHtml {
  const cell =
    typeof column === 'string'
      ? html`<th scope="col">${column}</th>`
      : html`<th scope="col" class="${column.className}">${column.label}</th>`;
  return i === 0 ? cell : html`${BETWEEN_HEADINGS}${cell}`;
}

/**
 * A table's `<thead>`: one row of column headings, each `scope="col"`. Labels and classes are
 * interpolated by `html`, so they are escaped like every other value on the page.
 */
export function tableHead(...columns: readonly TableColumn[]): SafeHtml {
  // prettier-ignore
  return html`<thead>
  <tr>
    ${columns.map(heading)}
  </tr>
</thead>`;
}
