import { escapeText } from '../escape-text.js';
import { formatBytes } from '../format-bytes.js';
import { CATEGORY_LABELS, SAVINGS_CATEGORIES } from '../facts/savings-summary.js';
import type { Change, DiffFinding, DiffLayer, DiffReport } from './diff-report.js';
import { alignColumns } from './table.js';
import { renderVerdictTable } from './verdict-table.js';

export type Unit = 'bytes' | 'count' | 'percent';

/** One side of a change, for people. */
export function formatValue(n: number | null, unit: Unit): string {
  if (n === null) return '-';
  if (unit === 'bytes') return formatBytes(n);
  if (unit === 'percent') return `${(n * 100).toFixed(1)} %`;
  return String(n);
}

/** A change as `+1.2 MB`, `−3`, `=` (none) or `-` (a side is missing). */
export function formatDelta(c: Change, unit: Unit): string {
  if (c.delta === null) return '-';
  if (c.delta === 0) return '=';
  const sign = c.delta > 0 ? '+' : '−';
  const magnitude = Math.abs(c.delta);
  const text =
    unit === 'bytes'
      ? formatBytes(magnitude)
      : unit === 'percent'
        ? `${(magnitude * 100).toFixed(1)} pt`
        : String(magnitude);
  return `${sign}${text}`;
}

function row(label: string, c: Change, unit: Unit): string[] {
  return [label, formatValue(c.before, unit), formatValue(c.after, unit), formatDelta(c, unit)];
}

function shortDigest(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `${alg}:${hex?.slice(0, 12) ?? ''}`;
}

function layerLine(sign: string, layer: DiffLayer): string {
  const created = layer.createdBy ?? '';
  return `  ${sign} ${String(layer.index).padStart(3)}  ${shortDigest(layer.digest)}  ${formatBytes(layer.uncompressedSize).padStart(8)}  ${created.length > 60 ? `${created.slice(0, 59)}…` : created}`;
}

function findingLine(sign: string, finding: DiffFinding): string {
  return `  ${sign} ${finding.severity.toUpperCase().padEnd(8)} ${finding.check}  ${finding.path ? `${finding.path}  ` : ''}${finding.message}`;
}

/**
 * `pushgate diff` for terminals: per platform, size, layers and savings categories before and
 * after, the layers and findings that differ, then both verdicts. Image-derived text is escaped
 * line by line, as in the scan table.
 */
export function renderDiffTable(report: DiffReport): string {
  const lines: string[] = [];
  lines.push(`Before    ${report.before.reference} (${report.before.source})`);
  lines.push(`After     ${report.after.reference} (${report.after.source})`);
  for (const p of report.platforms) {
    lines.push('');
    const platforms =
      p.before && p.after && p.before.platform !== p.after.platform
        ? `${p.before.platform} → ${p.after.platform}`
        : p.platform;
    lines.push(`Platform  ${platforms}${p.before ? '' : ' (only after)'}${p.after ? '' : ' (only before)'}`);
    const rows: string[][] = [
      ['', 'BEFORE', 'AFTER', 'CHANGE'],
      row('Compressed', p.size.compressed, 'bytes'),
      row('Uncompressed', p.size.uncompressed, 'bytes'),
      row('Files', p.size.files, 'count'),
      row('Layers', p.layers.count, 'count'),
    ];
    if (p.savings) {
      for (const c of SAVINGS_CATEGORIES)
        rows.push(row(`  ${CATEGORY_LABELS[c]}`, p.savings.categories[c], 'bytes'));
      rows.push(row('Removable', p.savings.removableBytes, 'bytes'));
      rows.push(row('Removable share', p.savings.removableRatio, 'percent'));
      rows.push(row('Runtime estimate', p.savings.runtimeEstimateBytes, 'bytes'));
    }
    lines.push('', ...alignColumns(rows, ['left', 'right', 'right', 'right']).map((r) => `  ${r}`));
    lines.push(
      '',
      `Layers    ${p.layers.shared} shared, ${p.layers.removed.length} removed, ${p.layers.added.length} added`,
    );
    for (const layer of p.layers.removed) lines.push(layerLine('-', layer));
    for (const layer of p.layers.added) lines.push(layerLine('+', layer));
    const f = p.findings;
    lines.push(
      '',
      `Findings  ${f.removed.length} removed, ${f.added.length} added, ${f.unchanged} unchanged`,
    );
    for (const finding of f.removed) lines.push(findingLine('-', finding));
    for (const finding of f.added) lines.push(findingLine('+', finding));
  }
  let text = `${lines.map(escapeText).join('\n')}\n`;
  if (report.verdicts) {
    text += `\nBefore: ${escapeText(report.before.reference)}${renderVerdictTable(report.verdicts.before)}`;
    text += `\nAfter: ${escapeText(report.after.reference)}${renderVerdictTable(report.verdicts.after)}`;
  }
  return text;
}
