import type { ReportFinding } from '../facts/checks.js';
import type { FactExtractor } from '../facts/extractor.js';
import type { PlatformFacts } from '../facts/gather-facts.js';
import type { ResolvedImage } from '../image/types.js';
import type { Verdict } from '../policy/types.js';

export const SCAN_REPORT_SCHEMA_VERSION = 1;

/** The JSON document `pushgate scan --format json` prints. */
/** A finding an ignore entry accepted (Dockle's "accept"): kept in the report, out of the findings. */
export type AcceptedFinding = ReportFinding & {
  accepted: { reason: string; source: string; expires?: string };
};

export interface ScanReport {
  schemaVersion: number;
  image: {
    reference: string;
    source: ResolvedImage['source'];
    indexDigest?: string;
    skipped: ResolvedImage['skipped'];
  };
  platforms: Array<{
    platform: string;
    manifestDigest?: string;
    facts: PlatformFacts['facts'];
    /** What the detectors report, derived from `facts` (ordered by severity, then check). */
    findings: ReportFinding[];
    /** Findings an ignore file (`.pushgateignore`) accepted, each with its reason; absent when none. */
    accepted?: AcceptedFinding[];
  }>;
  /** One per platform, only when the scan evaluated policies (`--policy`). */
  verdicts?: Verdict[];
}

import { checkHelpUri } from './checks-catalogue.js';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

/** Every extractor's findings for one facts document, most severe first. */
export function collectFindings(
  facts: PlatformFacts['facts'],
  extractors: readonly FactExtractor[],
): ReportFinding[] {
  const remedies = new Map(extractors.flatMap((e) => e.checks.map((c) => [c.id, c.remedy] as const)));
  return extractors
    .flatMap((extractor) => extractor.findings(facts))
    .map((finding) => {
      const remedy = remedies.get(finding.check);
      return remedy ? { ...finding, remedy: remedy.markdown, helpUri: checkHelpUri(finding.check) } : finding;
    })
    .sort(
      (a, b) =>
        SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
        a.check.localeCompare(b.check),
    );
}

export function buildScanReport(
  image: ResolvedImage,
  platforms: PlatformFacts[],
  extractors: readonly FactExtractor[],
): ScanReport {
  return {
    schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
    image: {
      reference: image.reference,
      source: image.source,
      ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
      skipped: image.skipped,
    },
    platforms: platforms.map((p) => ({
      platform: p.platform,
      ...(p.manifestDigest ? { manifestDigest: p.manifestDigest } : {}),
      facts: p.facts,
      findings: collectFindings(p.facts, extractors),
    })),
  };
}
