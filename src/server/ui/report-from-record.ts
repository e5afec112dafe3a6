import { EXTRACTORS } from '../../facts/extractors/index.js';
import { collectFindings, SCAN_REPORT_SCHEMA_VERSION, type ScanReport } from '../../report/scan-report.js';
import type { StoredPlatformFacts } from '../../store/facts-store.js';
import type { ImageRecord } from '../../store/types.js';

/**
 * The report `pushgate scan --format html` would print for this image, built from what inspection
 * stored: the facts of each platform (secrets already masked there), findings derived from them
 * as the CLI derives them, and the stored verdicts. Undefined when a platform's facts were not
 * stored (too large): a report of only some platforms would read as the whole image.
 */
export function reportFromRecord(
  record: ImageRecord,
  platforms: readonly StoredPlatformFacts[],
): ScanReport | undefined {
  if (platforms.length === 0 || platforms.some((p) => p.facts === undefined)) return undefined;
  const isIndex = !(platforms.length === 1 && platforms[0].digest === record.digest);
  return {
    schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
    image: {
      reference: `${record.registryHost}/${record.repository}@${record.digest}`,
      source: 'registry',
      ...(isIndex ? { indexDigest: record.digest } : {}),
      // Inspection judges every platform; what it skipped is not stored with the facts.
      skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
    },
    platforms: platforms.map((p) => ({
      platform: p.platform,
      manifestDigest: p.digest,
      facts: p.facts!,
      findings: collectFindings(p.facts!, EXTRACTORS),
    })),
    verdicts: record.verdicts,
  };
}
