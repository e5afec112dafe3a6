// PLACEHOLDER — replaced by the html branch at merge
// A stand-in with the real module's signature so the service's /ui compiles and runs on this
// branch; it prints the platforms and findings as a plain escaped table.
import { createHash } from 'node:crypto';
import { escapeText } from '../escape-text.js';
import type { ScanReport } from './scan-report.js';

const STYLE =
  'body{font-family:sans-serif;margin:1rem}table{border-collapse:collapse}td,th{padding:.2rem .5rem}';

function esc(text: string): string {
  return escapeText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderReportHtml(
  report: ScanReport,
  options: { title?: string; extraHead?: string; extraBody?: string } = {},
): { html: string; csp: string } {
  const title = options.title ?? `pushgate report: ${report.image.reference}`;
  const platforms = report.platforms
    .map(
      (p) =>
        `<section><h2>${esc(p.platform)}</h2><p>${p.facts.totals.layerCount} layers, ${p.facts.totals.uncompressedSize} bytes</p>` +
        `<table><thead><tr><th>Severity</th><th>Check</th><th>Finding</th></tr></thead><tbody>${p.findings
          .map(
            (f) => `<tr><td>${esc(f.severity)}</td><td>${esc(f.check)}</td><td>${esc(f.message)}</td></tr>`,
          )
          .join('')}</tbody></table></section>`,
    )
    .join('');
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>` +
    `<style>${STYLE}</style>${options.extraHead ?? ''}</head><body>${options.extraBody ?? ''}` +
    `<h1>${esc(title)}</h1>${platforms}</body></html>`;
  const hash = createHash('sha256').update(STYLE).digest('base64');
  return { html, csp: `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'` };
}
