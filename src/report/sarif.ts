import type { CheckDefinition, ReportFinding, Severity } from '../facts/checks.js';
import type { Evidence } from '../facts/evidence.js';
import type { ScanReport } from './scan-report.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning reads `security-severity` (0–10) to rank results. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/** Paths inside the image are relative to this base; config and history evidence are logical locations. */
export const IMAGE_ROOT = 'IMAGEROOT';

function location(evidence: Evidence): Record<string, unknown> {
  const properties = {
    evidenceKind: evidence.kind,
    state: evidence.state,
    ...(evidence.layer !== undefined ? { layer: evidence.layer } : {}),
    ...(evidence.layerDigest ? { layerDigest: evidence.layerDigest } : {}),
    ...(evidence.byLayer !== undefined ? { byLayer: evidence.byLayer } : {}),
    ...(evidence.createdBy ? { createdBy: evidence.createdBy } : {}),
    ...(evidence.package ? { package: evidence.package } : {}),
  };
  if (evidence.kind === 'file' || evidence.kind === 'package') {
    return {
      physicalLocation: {
        artifactLocation: { uri: encodeURI(evidence.path.replace(/^\//, '')), uriBaseId: IMAGE_ROOT },
      },
      ...(evidence.detail ? { message: { text: evidence.detail } } : {}),
      properties,
    };
  }
  return {
    logicalLocations: [{ name: evidence.path, kind: evidence.kind === 'config' ? 'member' : 'module' }],
    ...(evidence.detail ? { message: { text: evidence.detail } } : {}),
    properties,
  };
}

/**
 * SARIF 2.1.0: one run per platform, one rule per check id (all checks, so rule indexes are
 * stable), results located by image path (relative to IMAGEROOT) with the layer in properties.
 */
export function renderSarif(
  report: ScanReport,
  checks: readonly CheckDefinition[],
  toolVersion: string,
): string {
  const rules = checks.map((check) => ({
    id: check.id,
    name: check.id
      .split('-')
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: check.title },
    fullDescription: { text: check.description },
    defaultConfiguration: { level: LEVEL[check.severity] },
    properties: {
      category: check.category,
      severity: check.severity,
      'security-severity': SECURITY_SEVERITY[check.severity],
    },
  }));
  const ruleIndex = new Map(checks.map((c, i) => [c.id, i]));
  const runs = report.platforms.map((platform) => ({
    tool: {
      driver: {
        name: 'pushgate',
        version: toolVersion,
        rules,
      },
    },
    originalUriBaseIds: {
      [IMAGE_ROOT]: { description: { text: `Root of ${report.image.reference} (${platform.platform})` } },
    },
    automationDetails: { id: `pushgate/${report.image.reference}/${platform.platform}` },
    properties: {
      image: report.image.reference,
      platform: platform.platform,
      configDigest: platform.facts.image.configDigest,
      ...(platform.manifestDigest ? { manifestDigest: platform.manifestDigest } : {}),
    },
    results: platform.findings.map((finding: ReportFinding) => ({
      ruleId: finding.check,
      ...(ruleIndex.has(finding.check) ? { ruleIndex: ruleIndex.get(finding.check) } : {}),
      level: LEVEL[finding.severity],
      message: { text: finding.message },
      locations: finding.evidence.slice(0, 10).map(location),
      ...(finding.evidence.length > 10
        ? { relatedLocations: finding.evidence.slice(10).map((e, i) => ({ id: i + 1, ...location(e) })) }
        : {}),
      properties: { category: finding.category, severity: finding.severity },
    })),
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs,
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
