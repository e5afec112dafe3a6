import type { PlatformFacts } from '../facts/gather-facts.js';
import type { ResolvedImage } from '../image/types.js';

export const SCAN_REPORT_SCHEMA_VERSION = 1;

/** The JSON document `pushgate scan --format json` prints. */
export interface ScanReport {
  schemaVersion: number;
  image: {
    reference: string;
    source: ResolvedImage['source'];
    indexDigest?: string;
    skipped: ResolvedImage['skipped'];
  };
  platforms: Array<{ platform: string; manifestDigest?: string; facts: PlatformFacts['facts'] }>;
}

export function buildScanReport(image: ResolvedImage, platforms: PlatformFacts[]): ScanReport {
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
    })),
  };
}
