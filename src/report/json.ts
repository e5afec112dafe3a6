import { escapeJson } from '../escape-text.js';
import type { ScanReport } from './scan-report.js';

/** The report as JSON, bidi and C1 controls from the image written as `\uXXXX` (same value, inert text). */
export function renderJson(report: ScanReport): string {
  return `${escapeJson(JSON.stringify(report, null, 2))}\n`;
}
