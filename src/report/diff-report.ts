import type { ReportFinding, Severity } from '../facts/checks.js';
import type { ImageFacts, SavingsCategory } from '../facts/image-facts.js';
import { SAVINGS_CATEGORIES } from '../facts/savings-summary.js';
import type { Verdict } from '../policy/types.js';
import type { ScanReport } from './scan-report.js';

export const DIFF_REPORT_SCHEMA_VERSION = 1;

/** A number on both sides and how it changed (after − before); a side without the number is null. */
export interface Change {
  before: number | null;
  after: number | null;
  delta: number | null;
}

export interface DiffLayer {
  index: number;
  digest: string;
  diffId?: string;
  compressedSize: number;
  uncompressedSize: number;
  createdBy?: string;
}

/**
 * What identifies a finding across two images: the check and its first evidence's path (and
 * package, since several packages share their database's path), and a secret's fingerprint.
 */
export interface DiffFinding {
  check: string;
  severity: Severity;
  category: string;
  path: string;
  /** The first evidence's package, when it names one. */
  package?: string;
  message: string;
  fingerprint?: string;
}

export interface PlatformDiff {
  /** The platform of the after image (or of the before image when after has none of it). */
  platform: string;
  before: { platform: string; configDigest: string; manifestDigest?: string } | null;
  after: { platform: string; configDigest: string; manifestDigest?: string } | null;
  size: {
    compressed: Change;
    uncompressed: Change;
    files: Change;
    finalBytes: Change;
    wastedBytes: Change;
  };
  layers: {
    count: Change;
    /** Layers (by uncompressed digest, else blob digest) both images hold. */
    shared: number;
    added: DiffLayer[];
    removed: DiffLayer[];
  };
  /** The savings section side by side; null when neither side has one. */
  savings: {
    categories: Record<SavingsCategory, Change>;
    totalBytes: Change;
    removableBytes: Change;
    removableRatio: Change;
    runtimeEstimateBytes: Change;
  } | null;
  findings: { added: DiffFinding[]; removed: DiffFinding[]; unchanged: number };
}

/** The JSON document `pushgate diff --format json` prints. */
export interface DiffReport {
  schemaVersion: number;
  before: Pick<ScanReport['image'], 'reference' | 'source' | 'indexDigest'>;
  after: Pick<ScanReport['image'], 'reference' | 'source' | 'indexDigest'>;
  platforms: PlatformDiff[];
  /** Only with `--policy`: each image's verdicts. */
  verdicts?: { before: Verdict[]; after: Verdict[] };
}

type Side = ScanReport['platforms'][number];

function change(before: number | undefined, after: number | undefined): Change {
  const b = before ?? null;
  const a = after ?? null;
  return {
    before: b,
    after: a,
    delta: a !== null && b !== null ? Math.round((a - b) * 10_000) / 10_000 : null,
  };
}

function layerKey(layer: ImageFacts['layers'][number]): string {
  return layer.diffId ?? layer.digest;
}

function describeLayer(layer: ImageFacts['layers'][number]): DiffLayer {
  return {
    index: layer.index,
    digest: layer.digest,
    ...(layer.diffId ? { diffId: layer.diffId } : {}),
    compressedSize: layer.compressedSize,
    uncompressedSize: layer.uncompressedSize,
    ...(layer.createdBy !== undefined ? { createdBy: layer.createdBy } : {}),
  };
}

function findingOf(finding: ReportFinding): DiffFinding {
  return {
    check: finding.check,
    severity: finding.severity,
    category: finding.category,
    path: finding.evidence[0]?.path ?? '',
    ...(finding.evidence[0]?.package ? { package: finding.evidence[0].package } : {}),
    message: finding.message,
    ...(finding.fingerprint ? { fingerprint: finding.fingerprint } : {}),
  };
}

function findingKey(finding: DiffFinding): string {
  return `${finding.check}\0${finding.path}\0${finding.package ?? ''}\0${finding.fingerprint ?? ''}`;
}

/** Added and removed by key; a key present on both sides (any number of times) is unchanged. */
function diffFindings(
  before: readonly ReportFinding[],
  after: readonly ReportFinding[],
): PlatformDiff['findings'] {
  const b = before.map(findingOf);
  const a = after.map(findingOf);
  const beforeKeys = new Set(b.map(findingKey));
  const afterKeys = new Set(a.map(findingKey));
  return {
    added: a.filter((f) => !beforeKeys.has(findingKey(f))),
    removed: b.filter((f) => !afterKeys.has(findingKey(f))),
    unchanged: a.filter((f) => beforeKeys.has(findingKey(f))).length,
  };
}

function diffLayers(before: ImageFacts | undefined, after: ImageFacts | undefined): PlatformDiff['layers'] {
  const b = before?.layers ?? [];
  const a = after?.layers ?? [];
  const beforeKeys = new Set(b.map(layerKey));
  const afterKeys = new Set(a.map(layerKey));
  return {
    count: change(before?.totals.layerCount, after?.totals.layerCount),
    shared: a.filter((l) => beforeKeys.has(layerKey(l))).length,
    added: a.filter((l) => !beforeKeys.has(layerKey(l))).map(describeLayer),
    removed: b.filter((l) => !afterKeys.has(layerKey(l))).map(describeLayer),
  };
}

function diffSavings(before: ImageFacts | undefined, after: ImageFacts | undefined): PlatformDiff['savings'] {
  const b = before?.savings;
  const a = after?.savings;
  if (!b && !a) return null;
  return {
    categories: Object.fromEntries(
      SAVINGS_CATEGORIES.map((c) => [c, change(b?.categories[c].bytes, a?.categories[c].bytes)]),
    ) as Record<SavingsCategory, Change>,
    totalBytes: change(b?.totalBytes, a?.totalBytes),
    removableBytes: change(b?.removableBytes, a?.removableBytes),
    removableRatio: change(b?.removableRatio, a?.removableRatio),
    runtimeEstimateBytes: change(b?.runtimeEstimateBytes, a?.runtimeEstimateBytes),
  };
}

function sideInfo(side: Side | undefined): PlatformDiff['before'] {
  if (!side) return null;
  return {
    platform: side.platform,
    configDigest: side.facts.image.configDigest,
    ...(side.manifestDigest ? { manifestDigest: side.manifestDigest } : {}),
  };
}

function diffPlatform(platform: string, before: Side | undefined, after: Side | undefined): PlatformDiff {
  const b = before?.facts;
  const a = after?.facts;
  return {
    platform,
    before: sideInfo(before),
    after: sideInfo(after),
    size: {
      compressed: change(b?.totals.compressedSize, a?.totals.compressedSize),
      uncompressed: change(b?.totals.uncompressedSize, a?.totals.uncompressedSize),
      files: change(b?.totals.fileCount, a?.totals.fileCount),
      finalBytes: change(b?.totals.finalBytes, a?.totals.finalBytes),
      wastedBytes: change(b?.totals.wastedBytes, a?.totals.wastedBytes),
    },
    layers: diffLayers(b, a),
    savings: diffSavings(b, a),
    findings: diffFindings(before?.findings ?? [], after?.findings ?? []),
  };
}

/**
 * Two scan reports side by side, platform by platform: platforms pair by name; two
 * single-platform images pair whatever their platforms (a rewrite may change the base image).
 */
export function buildDiffReport(before: ScanReport, after: ScanReport): DiffReport {
  const image = (r: ScanReport): DiffReport['before'] => ({
    reference: r.image.reference,
    source: r.image.source,
    ...(r.image.indexDigest ? { indexDigest: r.image.indexDigest } : {}),
  });
  const platforms: PlatformDiff[] = [];
  if (before.platforms.length === 1 && after.platforms.length === 1) {
    platforms.push(diffPlatform(after.platforms[0].platform, before.platforms[0], after.platforms[0]));
  } else {
    const byName = new Map(before.platforms.map((p) => [p.platform, p]));
    for (const side of after.platforms) {
      platforms.push(diffPlatform(side.platform, byName.get(side.platform), side));
      byName.delete(side.platform);
    }
    for (const side of byName.values()) platforms.push(diffPlatform(side.platform, side, undefined));
  }
  const report: DiffReport = {
    schemaVersion: DIFF_REPORT_SCHEMA_VERSION,
    before: image(before),
    after: image(after),
    platforms,
  };
  if (before.verdicts || after.verdicts)
    report.verdicts = { before: before.verdicts ?? [], after: after.verdicts ?? [] };
  return report;
}
