import { escapeText } from '../escape-text.js';
import { formatBytes } from '../format-bytes.js';
import type { CheckDefinition } from '../facts/checks.js';
import type { Evidence } from '../facts/evidence.js';
import type { ScanReport } from './scan-report.js';
import type { AcceptedFinding } from './accept-findings.js';
import { describeRemovable, describeRuntimeEstimate } from '../facts/savings-summary.js';

function describeEvidence(e: Evidence): string {
  const where = e.layer === undefined ? e.kind : `layer ${e.layer}`;
  const fate = e.state === 'present' ? '' : ` — ${e.state} by layer ${e.byLayer}`;
  const pkg = e.package ? ` (package ${e.package})` : '';
  const detail = e.detail ? `: ${e.detail}` : '';
  return `${e.path}${pkg} [${where}${fate}]${detail}`;
}

function renderFindings(
  findings: ScanReport['platforms'][number]['findings'],
  remedies: ReadonlyMap<string, string>,
  lines: string[],
): void {
  lines.push('');
  if (findings.length === 0) {
    lines.push('Findings  none');
    return;
  }
  lines.push(`Findings  ${findings.length}`);
  const categories = [...new Set(findings.map((f) => f.category))];
  for (const category of categories) {
    lines.push('', `  ${category}`);
    for (const finding of findings.filter((f) => f.category === category)) {
      lines.push(`    ${finding.severity.toUpperCase().padEnd(8)} ${finding.check}  ${finding.message}`);
      for (const evidence of finding.evidence.slice(0, 5))
        lines.push(`             ${describeEvidence(evidence)}`);
      if (finding.evidence.length > 5) lines.push(`             … and ${finding.evidence.length - 5} more`);
    }
    // One line of fix guidance per remedy of the group (checks sharing one are named together);
    // the full remedy is in JSON, SARIF and CHECKS.md.
    const bySummary = new Map<string, string[]>();
    for (const check of new Set(findings.filter((f) => f.category === category).map((f) => f.check))) {
      const summary = remedies.get(check);
      if (summary) bySummary.set(summary, [...(bySummary.get(summary) ?? []), check]);
    }
    for (const [summary, ids] of bySummary) lines.push(`    fix ${ids.join(', ')}: ${summary}`);
  }
}

/** Findings an ignore file accepted (Dockle's accept): one line each, with the reason and the entry. */
function renderAccepted(accepted: readonly AcceptedFinding[], lines: string[]): void {
  if (accepted.length === 0) return;
  lines.push('', `Accepted  ${accepted.length} (by the ignore file; not counted as findings)`);
  for (const finding of accepted) {
    const until = finding.accepted.expires ? `, until ${finding.accepted.expires}` : '';
    lines.push(`    ${finding.severity.toUpperCase().padEnd(8)} ${finding.check}  ${finding.message}`);
    lines.push(`             accepted: ${finding.accepted.reason} (${finding.accepted.source}${until})`);
  }
}

function shortDigest(digest: string | undefined): string {
  if (!digest) return '-';
  const [alg, hex] = digest.split(':');
  return `${alg}:${hex?.slice(0, 12) ?? ''}`;
}

/**
 * Rows padded so every cell starts under its header: each column as wide as its widest cell,
 * two spaces between columns, numbers right-aligned. The last column is not padded.
 */
export function alignColumns(rows: string[][], align: Array<'left' | 'right'>): string[] {
  const widths = align.map((_, col) => Math.max(...rows.map((row) => [...(row[col] ?? '')].length)));
  return rows.map((row) =>
    row
      .map((cell, col) => {
        if (col === row.length - 1 && align[col] === 'left') return cell;
        const pad = ' '.repeat(widths[col] - [...cell].length);
        return align[col] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * A human-readable summary for terminals. Nearly every value comes from the image, so each line is
 * escaped as a whole when the report is joined (see escape-text.ts): a value cannot draw on the
 * terminal or start a line of its own, and no field can be forgotten.
 */
export function renderTable(report: ScanReport, checks: readonly CheckDefinition[] = []): string {
  const remedies = new Map(checks.flatMap((c) => (c.remedy ? [[c.id, c.remedy.summary] as const] : [])));
  const lines: string[] = [];
  const { image } = report;
  lines.push(`Image     ${image.reference} (${image.source})`);
  if (image.indexDigest) lines.push(`Index     ${image.indexDigest}`);
  const skipped = Object.entries(image.skipped)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${n} ${what}`);
  if (skipped.length > 0) lines.push(`Skipped   ${skipped.join(', ')}`);
  for (const { platform, manifestDigest, facts, findings, accepted } of report.platforms) {
    lines.push('');
    lines.push(`Platform  ${platform}`);
    if (manifestDigest) lines.push(`Manifest  ${manifestDigest}`);
    lines.push(`Config    ${facts.image.configDigest}`);
    if (facts.image.created) lines.push(`Created   ${facts.image.created}`);
    if (facts.os) lines.push(`OS        ${facts.os.prettyName ?? facts.os.id}`);
    const c = facts.config;
    lines.push(`User      ${c.user === null ? '(not set: root)' : c.user}`);
    const run = [...(c.entrypoint ?? []), ...(c.cmd ?? [])];
    lines.push(`Runs      ${run.length > 0 ? JSON.stringify(run) : '-'}`);
    if (c.workdir) lines.push(`Workdir   ${c.workdir}`);
    if (c.env.length > 0) lines.push(`Env       ${c.env.join(', ')}`);
    if (c.exposedPorts.length > 0) lines.push(`Ports     ${c.exposedPorts.join(', ')}`);
    lines.push(
      `Health    ${c.healthcheck === null ? 'none' : c.healthcheck.disabled ? 'disabled' : c.healthcheck.test.join(' ')}`,
    );
    const t = facts.totals;
    lines.push(
      `Size      ${formatBytes(t.compressedSize)} compressed, ${formatBytes(t.uncompressedSize)} uncompressed, ` +
        `${t.fileCount} files, ${formatBytes(t.wastedBytes)} wasted`,
    );
    const savings = facts.savings;
    if (savings) {
      lines.push(
        savings.removableBytes === 0
          ? `Savings   nothing a multi-stage build would drop (all ${formatBytes(savings.totalBytes)} the layers write stays)`
          : `Savings   ${describeRemovable(savings)}: ${describeRuntimeEstimate(savings)}`,
      );
    }
    const secrets = facts.secrets;
    if (secrets) {
      const { scanned: n, skipped: k, byOrigin: o } = secrets;
      const cut =
        k.tooLarge.files > 0
          ? `, ${k.tooLarge.files} cut by the per-file limit (${formatBytes(k.tooLarge.bytes)} unread)`
          : '';
      lines.push(
        `Secrets   scanned ${n.textFiles} text, ${n.binaryFiles} binary (high-confidence rules), ${n.utf16Files} UTF-16 files ` +
          `(${n.streamedFiles} streamed, ${formatBytes(n.bytes)}); skipped by type ${k.byType.files} (${formatBytes(k.byType.bytes)})${cut}`,
      );
      lines.push(
        `          found ${secrets.findings.length} blocking, ${secrets.vendorFindings.length} vendor/fixture at info ` +
          `(by origin: user ${o.user}, os-package ${o['os-package']}, dependency-fixture ${o['dependency-fixture']})`,
      );
    }
    lines.push('');
    lines.push(
      ...alignColumns(
        [
          ['LAYER', 'DIGEST', 'SIZE', 'FILES', 'ADDED', 'REMOVED', 'CREATED BY'],
          ...facts.layers.map((layer) => [
            String(layer.index),
            shortDigest(layer.digest),
            formatBytes(layer.compressedSize),
            String(layer.fileCount),
            formatBytes(layer.bytesAdded),
            formatBytes(layer.bytesRemoved),
            truncate(layer.createdBy ?? '', 60),
          ]),
        ],
        ['right', 'left', 'right', 'right', 'right', 'right', 'left'],
      ).flatMap((row, i) => [
        `  ${row}`,
        ...(i === 0 ? [] : facts.layers[i - 1].warnings.map((w) => `       warning: ${w}`)),
      ]),
    );
    renderFindings(findings, remedies, lines);
    renderAccepted(accepted ?? [], lines);
  }
  return `${lines.map(escapeText).join('\n')}\n`;
}
