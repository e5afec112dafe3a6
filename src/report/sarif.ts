import { escapeJson } from '../escape-text.js';
import type { CheckDefinition, ReportFinding, Severity } from '../facts/checks.js';
import type { Evidence } from '../facts/evidence.js';
import type { Verdict } from '../policy/types.js';
import type { ScanReport } from './scan-report.js';
import { checkHelpUri } from './checks-catalogue.js';

function isEvidence(value: unknown): value is Evidence {
  const v = value as Partial<Evidence> | null;
  return typeof v === 'object' && v !== null && typeof v.path === 'string' && typeof v.kind === 'string';
}

/** Policy rules as SARIF rules: `policy/<policy>/<rule>`, one per rule that produced a violation. */
function policyRuleId(policy: string, rule: string): string {
  return `policy/${policy}/${rule}`;
}

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
  const rules: Array<Record<string, unknown> & { id: string }> = checks.map((check) => ({
    id: check.id,
    name: check.id
      .split('-')
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: check.title },
    fullDescription: { text: check.description },
    ...(check.remedy
      ? {
          help: { text: check.remedy.markdown, markdown: check.remedy.markdown },
          helpUri: checkHelpUri(check.id),
        }
      : {}),
    defaultConfiguration: { level: LEVEL[check.severity] },
    properties: {
      category: check.category,
      severity: check.severity,
      'security-severity': SECURITY_SEVERITY[check.severity],
    },
  }));
  const policyRules = new Map<string, { severity: Severity; policy: string; rule: string }>();
  for (const verdict of report.verdicts ?? []) {
    for (const policy of verdict.policies) {
      for (const v of policy.violations) {
        policyRules.set(policyRuleId(policy.name, v.rule), {
          severity: v.severity,
          policy: policy.name,
          rule: v.rule,
        });
      }
    }
  }
  for (const [id, { severity, policy, rule }] of policyRules) {
    rules.push({
      id,
      name: id,
      shortDescription: { text: `Rule ${rule} of policy ${policy}` },
      fullDescription: { text: `A violation of rule ${rule} of the pushgate policy ${policy}.` },
      defaultConfiguration: { level: LEVEL[severity] },
      properties: { category: 'Policy', severity, 'security-severity': SECURITY_SEVERITY[severity] },
    });
  }
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const verdictFor = (platform: string): Verdict | undefined =>
    report.verdicts?.find((v) => v.platform === platform);
  const policyResults = (verdict: Verdict | undefined): Array<Record<string, unknown>> =>
    (verdict?.policies ?? []).flatMap((policy) =>
      policy.violations
        .filter((v) => !v.waived)
        .map((v) => {
          const id = policyRuleId(policy.name, v.rule);
          const evidence = v.evidence.filter(isEvidence).slice(0, 10);
          return {
            ruleId: id,
            ruleIndex: ruleIndex.get(id),
            // An audit policy records the violation but never acts: shown as a note.
            level: policy.mode === 'audit' ? 'note' : LEVEL[v.severity],
            message: { text: v.message },
            ...(evidence.length > 0 ? { locations: evidence.map(location) } : {}),
            properties: {
              policy: policy.name,
              result: policy.result,
              mode: policy.mode,
              instancePath: v.instancePath,
            },
          };
        }),
    );
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
      ...(verdictFor(platform.platform)
        ? {
            decision: verdictFor(platform.platform)!.decision,
            policySetVersion: verdictFor(platform.platform)!.policySetVersion,
          }
        : {}),
    },
    results: [
      ...platform.findings.map((finding: ReportFinding) => ({
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
      // Accepted by the ignore file: reported as suppressed (§3.34), with the entry's reason.
      ...(platform.accepted ?? []).map((finding) => ({
        ruleId: finding.check,
        ...(ruleIndex.has(finding.check) ? { ruleIndex: ruleIndex.get(finding.check) } : {}),
        level: LEVEL[finding.severity],
        message: { text: finding.message },
        locations: finding.evidence.slice(0, 10).map(location),
        suppressions: [{ kind: 'external', justification: finding.accepted.reason }],
        properties: {
          category: finding.category,
          severity: finding.severity,
          acceptedBy: finding.accepted.source,
        },
      })),
      ...policyResults(verdictFor(platform.platform)),
    ],
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs,
  };
  // Viewers print messages and locations as text: C1 and bidi controls from the image go out as \uXXXX.
  return `${escapeJson(JSON.stringify(log, null, 2))}\n`;
}
