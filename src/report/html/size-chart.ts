import { formatBytes } from '../../format-bytes.js';
import { html, trusted, type SafeHtml } from './safe-html.js';
import { escapeSvgText } from './svg-text.js';

export interface ChartSegment {
  label: string;
  bytes: number;
  /** A class from the report stylesheet (`seg-0`…`seg-7`, `seg-removable`…): colour comes from CSS. */
  className: string;
}

const WIDTH = 720;
const BAR_HEIGHT = 28;

/**
 * One horizontal bar split into segments proportional to their bytes, with a legend under it.
 * The SVG is a picture (`role="img"` with a title); the numbers are also in the tables beside it,
 * so nothing is only in the picture. Text goes through `escapeSvgText`; sizes are computed here.
 */
export function sizeChart(id: string, title: string, segments: readonly ChartSegment[]): SafeHtml {
  const total = segments.reduce((sum, s) => sum + s.bytes, 0);
  let x = 0;
  const rects: string[] = [];
  for (const segment of segments) {
    if (segment.bytes <= 0 || total === 0) continue;
    const width = (segment.bytes / total) * WIDTH;
    const share = ((segment.bytes / total) * 100).toFixed(1);
    rects.push(
      `<rect class="${escapeSvgText(segment.className)}" x="${x.toFixed(2)}" y="0" width="${width.toFixed(2)}" height="${BAR_HEIGHT}">` +
        `<title>${escapeSvgText(`${segment.label}: ${formatBytes(segment.bytes)} (${share} %)`)}</title></rect>`,
    );
    x += width;
  }
  if (rects.length === 0)
    rects.push(`<rect class="seg-empty" x="0" y="0" width="${WIDTH}" height="${BAR_HEIGHT}"></rect>`);
  const svg = trusted(
    `<svg class="size-chart" viewBox="0 0 ${WIDTH} ${BAR_HEIGHT}" width="${WIDTH}" height="${BAR_HEIGHT}" ` +
      `role="img" aria-labelledby="${escapeSvgText(id)}-title" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">` +
      `<title id="${escapeSvgText(id)}-title">${escapeSvgText(`${title}: ${formatBytes(total)}`)}</title>${rects.join('')}</svg>`,
  );
  return html`<figure class="chart">
    ${svg}
    <figcaption>
      <ul class="legend">
        ${segments.map(
          (s) =>
            html`<li>
              <span class="swatch ${s.className}" aria-hidden="true"></span>${s.label}
              <span class="num">${formatBytes(s.bytes)}</span>
            </li>`,
        )}
      </ul>
    </figcaption>
  </figure>`;
}
