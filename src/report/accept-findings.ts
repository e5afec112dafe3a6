import picomatch from 'picomatch';
import type { ReportFinding, Severity } from '../facts/checks.js';
import type { AcceptedFinding, ScanReport } from './scan-report.js';
export type { AcceptedFinding };

/** One entry of an ignore file (`.pushgateignore`): the findings it accepts and why. */
export interface AcceptEntry {
  check: string;
  /** Glob over evidence paths (`/usr/bin/*`): the finding is accepted when one of its locations matches. */
  path?: string;
  /** A secret finding's fingerprint, as reports print it. */
  fingerprint?: string;
  reason: string;
  /** YYYY-MM-DD: applies through that (UTC) day. */
  expires?: string;
  /** `file:line`, for the report and warnings. */
  source: string;
}

function matches(entry: AcceptEntry, finding: ReportFinding): boolean {
  if (entry.check !== finding.check) return false;
  if (entry.fingerprint !== undefined && entry.fingerprint !== finding.fingerprint) return false;
  if (entry.path !== undefined) {
    const isMatch = picomatch(entry.path, { dot: true });
    if (!finding.evidence.some((e) => isMatch(e.path))) return false;
  }
  return true;
}

/**
 * What `scan` prints without a policy: findings at the severities asked for, minus those an
 * ignore entry accepts (listed apart as `accepted`). Verdicts are never touched: with `--policy`
 * they come from the policies and their waivers alone.
 */
export function filterFindings(
  report: ScanReport,
  options: { severities?: ReadonlySet<Severity>; accept?: readonly AcceptEntry[] },
): ScanReport {
  const accept = options.accept ?? [];
  return {
    ...report,
    platforms: report.platforms.map((platform) => {
      const kept: ReportFinding[] = [];
      const accepted: AcceptedFinding[] = [...(platform.accepted ?? [])];
      for (const finding of platform.findings) {
        if (options.severities && !options.severities.has(finding.severity)) continue;
        const entry = accept.find((e) => matches(e, finding));
        if (!entry) {
          kept.push(finding);
          continue;
        }
        accepted.push({
          ...finding,
          accepted: {
            reason: entry.reason,
            source: entry.source,
            ...(entry.expires ? { expires: entry.expires } : {}),
          },
        });
      }
      return { ...platform, findings: kept, ...(accepted.length > 0 ? { accepted } : {}) };
    }),
  };
}
