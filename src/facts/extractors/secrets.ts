import { createHash } from 'node:crypto';
import type { CheckDefinition, ReportFinding } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import type { Evidence } from '../evidence.js';
import { fileEvidence, historyEvidence } from '../evidence.js';
import type { FactExtractor } from '../extractor.js';
import type { SecretFinding, SecretsSection } from '../image-facts.js';
import type { LayerInfo } from '../../inspect/types.js';
import { CREDENTIAL_FILE_PARSERS, credentialParserFor } from '../../secrets/credential-files/index.js';
import { DEFAULT_FINGERPRINT_KEY, fingerprint, maskedPreview } from '../../secrets/redact.js';
import { SECRET_RULES, type SecretSeverity } from '../../secrets/rules.js';
import { scanText, scanVariable, type TextMatch } from '../../secrets/scan-text.js';
import { isSkippedFileName } from '../../secrets/skip-rules.js';
import { scanFile } from '../../secrets/scan-file.js';
import { parseCreatedBy } from '../../secrets/parse-created-by.js';
import { isVerifiable } from '../../secrets/verifiable.js';
import { fileOrigin, type FileDigests, type FileOrigin } from '../tools/file-origin.js';
import { packagedIndex, PackagedListingCollector, type PackagedListing } from '../tools/packaged-listing.js';

/** Bump when rules, parsers or the result shape change: it is part of the layer cache key. */
const RULES_VERSION = 2;
/** Files larger than this are not scanned at all (counted in `skipped.tooLargeFiles`/`tooLargeBytes`). */
export const SECRETS_CONTENT_CAP = 1024 * 1024;
const CATEGORY = 'Secrets';

/** One finding as the per-layer result (cached, stored in Redis) keeps it: never the value. */
interface LayerSecret {
  rule: string;
  /** Normalised path, no leading slash. */
  path: string;
  line?: number;
  key?: string;
  preview: string;
  length: number;
  fingerprint: string;
  /** A live format its issuer can check: fails whatever the file's origin. */
  verifiable?: true;
  /** Whole-file digests of the file it was found in, for its provenance. */
  digests?: FileDigests;
}

interface Skipped {
  binaryFiles: number;
  tooLargeFiles: number;
  tooLargeBytes: number;
  allowedPaths: number;
}

interface LayerResult {
  findings: LayerSecret[];
  skipped: Skipped;
  /** The files this layer's package databases list, with their checksums. */
  packaged: PackagedListing;
}

interface RuleInfo {
  id: string;
  title: string;
  severity: SecretSeverity;
  description: string;
}

const RULES: readonly RuleInfo[] = [...SECRET_RULES, ...CREDENTIAL_FILE_PARSERS.map((p) => p.rule)];
const RULE_BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** Where each rule is written, so CHECKS.md sends a reader to the regex or the parser, not here. */
const DEFINED_IN = new Map<string, string>([
  ...SECRET_RULES.map((rule): [string, string] => [rule.id, 'src/secrets/rules.ts']),
  ...CREDENTIAL_FILE_PARSERS.map((p): [string, string] => [
    p.rule.id,
    `src/secrets/credential-files/${p.id}.ts`,
  ]),
]);

const CHECKS: readonly CheckDefinition[] = RULES.map((rule) => ({
  id: `secret-${rule.id}`,
  title: rule.title,
  severity: rule.severity,
  category: CATEGORY,
  description: rule.description,
  definedIn: DEFINED_IN.get(rule.id),
  remedy: REMEDIES.secret,
}));

const SECRET_FINDING_SCHEMA = {
  type: 'object',
  required: ['rule', 'title', 'severity', 'source', 'origin', 'preview', 'fingerprint', 'evidence'],
  additionalProperties: false,
  properties: {
    rule: { type: 'string', description: 'Rule id; the check id is `secret-<rule>`.' },
    title: { type: 'string' },
    severity: {
      enum: ['critical', 'high', 'medium', 'low', 'info'],
      description:
        "The rule's severity; `info` for vendor content and dependency fixtures (`vendorFindings`).",
    },
    origin: {
      enum: ['user', 'os-package', 'dependency-fixture'],
      description:
        "Where the file came from: an OS package (listed by its database with the file's checksum), a test/fixture/example tree of an installed dependency, or the user (everything else, ENV, labels and history included).",
    },
    package: {
      type: 'string',
      description:
        'The OS package or dependency the file belongs to; for `user` findings, the package whose file was changed after installation.',
    },
    changedAfterInstall: {
      const: true,
      description:
        "A package database lists the file with another checksum: it was changed after installation, so it is the user's.",
    },
    verifiable: {
      const: true,
      description:
        'A live format its issuer can check (cloud keys, GitHub/GitLab/Slack/Stripe tokens…): blocking whatever the origin.',
    },
    source: { enum: ['file', 'env', 'label', 'history'] },
    key: { type: 'string', description: 'ENV/label/build-arg name, or the key in a credential file.' },
    line: { type: 'integer', minimum: 1 },
    preview: { type: 'string', description: 'A few leading characters and the length; never the value.' },
    fingerprint: {
      type: 'string',
      pattern: '^[0-9a-f]{16}$',
      description: 'HMAC-SHA-256 of the value with the deployment key, hex, first 16 characters.',
    },
    evidence: { $ref: '#/$defs/evidence' },
  },
} as const;

const SECRETS_SCHEMA = {
  description:
    'Secrets found in file contents of every layer (deleted files too), ENV values, labels and history (build arguments); redacted at the source.',
  type: 'object',
  required: ['findings', 'vendorFindings', 'byOrigin', 'skipped'],
  additionalProperties: false,
  properties: {
    findings: {
      type: 'array',
      items: SECRET_FINDING_SCHEMA,
      description:
        "Secrets the image's owner put there: origin `user`, and verifiable formats whatever their origin. The default `no-secrets` policy fails on any.",
    },
    vendorFindings: {
      type: 'array',
      items: SECRET_FINDING_SCHEMA,
      description:
        'Keys and generic assignments in OS package files that match their packaged checksum, and in test/fixture/example trees of installed dependencies: listed at `info`, never hidden.',
    },
    byOrigin: {
      type: 'object',
      description: 'Findings of both lists, counted by origin.',
      required: ['user', 'os-package', 'dependency-fixture'],
      additionalProperties: false,
      properties: {
        user: { type: 'integer', minimum: 0 },
        'os-package': { type: 'integer', minimum: 0 },
        'dependency-fixture': { type: 'integer', minimum: 0 },
      },
    },
    skipped: {
      type: 'object',
      description: 'Files not scanned, and why.',
      required: ['binaryFiles', 'tooLargeFiles', 'tooLargeBytes', 'allowedPaths'],
      additionalProperties: false,
      properties: {
        binaryFiles: { type: 'integer', minimum: 0 },
        tooLargeFiles: { type: 'integer', minimum: 0 },
        tooLargeBytes: { type: 'integer', minimum: 0 },
        allowedPaths: { type: 'integer', minimum: 0 },
      },
    },
  },
} as const;

export interface SecretsExtractorOptions {
  /**
   * HMAC key for fingerprints. Deployments set their own (a private key keeps anyone from testing
   * guessed values against fingerprints); the default is the documented public constant.
   */
  fingerprintKey?: string;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The extractor's version: `RULES_VERSION` with the default key; with another key, a number that
 * also depends on the key's hash, so cached fingerprints made with one key are never served to a
 * deployment that uses another (the version is part of the layer cache key).
 */
function versionFor(key: string): number {
  if (key === DEFAULT_FINGERPRINT_KEY) return RULES_VERSION;
  const tag = parseInt(createHash('sha256').update(key).digest('hex').slice(0, 6), 16);
  return RULES_VERSION + 1000 * (1 + tag);
}

/** Replaces every known raw value in `text` by its preview (history strings may quote a secret). */
function scrubber(values: ReadonlySet<string>): (text: string) => string {
  return (text) => {
    let out = text;
    for (const value of values)
      if (value.length >= 4 && out.includes(value)) out = out.split(value).join(maskedPreview(value));
    return out;
  };
}

/** Blocking: the user's, or a live format whatever its origin. Vendor keys and fixtures are `info`. */
function isBlocking(secret: Pick<LayerSecret, 'verifiable'>, origin: FileOrigin): boolean {
  return origin.origin === 'user' || secret.verifiable === true;
}

function fileDigests(content: Buffer): FileDigests {
  const hex = (algorithm: string): string => createHash(algorithm).update(content).digest('hex');
  return { md5: hex('md5'), sha1: hex('sha1'), sha256: hex('sha256') };
}

function provenanceNote(finding: SecretFinding): string {
  if (finding.origin === 'os-package') return ` (shipped by OS package ${finding.package ?? '?'})`;
  if (finding.origin === 'dependency-fixture')
    return ` (test fixture of dependency ${finding.package ?? '?'})`;
  if (finding.changedAfterInstall)
    return ` (file of OS package ${finding.package ?? '?'}, changed after installation)`;
  return '';
}

function describe(finding: SecretFinding): string {
  const e = finding.evidence;
  switch (finding.source) {
    case 'file':
      return `${e.path}${finding.line ? `:${finding.line}` : ''}${finding.key ? ` (${finding.key})` : ''}${
        e.state === 'present' ? '' : ` — ${e.state} by layer ${e.byLayer}`
      }`;
    case 'env':
      return `ENV ${finding.key ?? ''}`;
    case 'label':
      return `label ${finding.key ?? ''}`;
    case 'history':
      return `${e.path}${finding.key ? ` (${finding.key})` : ''}`;
  }
}

/**
 * Secrets in every regular file of every layer (files a later layer deleted or replaced too),
 * in credential files through their parsers, and in ENV values, labels and history (build
 * arguments by name and value). Values never leave the collector: a finding keeps the rule,
 * location, a masked preview and a keyed fingerprint.
 */
export function createSecretsExtractor(options: SecretsExtractorOptions = {}): FactExtractor<LayerResult> {
  const key = options.fingerprintKey ?? DEFAULT_FINGERPRINT_KEY;
  if (key === '') throw new Error('createSecretsExtractor: fingerprintKey must not be empty');

  const redact = (
    rule: string,
    value: string,
    location: { path: string; line?: number; key?: string },
  ): LayerSecret => ({
    rule,
    path: location.path,
    ...(location.line !== undefined ? { line: location.line } : {}),
    ...(location.key !== undefined && location.key !== '' ? { key: location.key } : {}),
    preview: maskedPreview(value),
    length: value.length,
    fingerprint: fingerprint(value, key),
    ...(isVerifiable(rule, value) ? { verifiable: true as const } : {}),
  });

  const toFinding = (
    secret: Pick<LayerSecret, 'rule' | 'line' | 'key' | 'preview' | 'fingerprint' | 'verifiable'>,
    source: SecretFinding['source'],
    evidence: Evidence,
    origin: FileOrigin = { origin: 'user' },
  ): SecretFinding => {
    const rule = RULE_BY_ID.get(secret.rule);
    return {
      rule: secret.rule,
      title: rule?.title ?? secret.rule,
      severity: isBlocking(secret, origin) ? (rule?.severity ?? 'high') : 'info',
      source,
      origin: origin.origin,
      ...(origin.origin !== 'user'
        ? { package: origin.package }
        : origin.changedPackage !== undefined
          ? { package: origin.changedPackage, changedAfterInstall: true as const }
          : {}),
      ...(secret.verifiable ? { verifiable: true as const } : {}),
      ...(secret.key !== undefined ? { key: secret.key } : {}),
      ...(secret.line !== undefined ? { line: secret.line } : {}),
      preview: secret.preview,
      fingerprint: secret.fingerprint,
      evidence,
    };
  };

  return {
    id: 'secrets',
    version: versionFor(key),
    checks: CHECKS,
    schema: { secrets: SECRETS_SCHEMA },

    wants(entry) {
      if (entry.type !== 'file' || entry.size === 0) return false;
      const path = entry.path;
      const base = baseName(path);
      const checksums = PackagedListingCollector.wants(path);
      if (checksums !== undefined) return { content: checksums };
      if (entry.size > SECRETS_CONTENT_CAP) return 'header';
      if (credentialParserFor(path, base) !== undefined) return { content: entry.size };
      if (isSkippedFileName(base)) return 'header';
      return { content: entry.size };
    },

    collect() {
      const findings: LayerSecret[] = [];
      const skipped: Skipped = { binaryFiles: 0, tooLargeFiles: 0, tooLargeBytes: 0, allowedPaths: 0 };
      const packaged = new PackagedListingCollector();
      return {
        onEntry(entry, content) {
          if (content !== undefined) packaged.add(entry.path, content, entry.size);
          if (content === undefined) {
            if (entry.size > SECRETS_CONTENT_CAP) {
              skipped.tooLargeFiles++;
              skipped.tooLargeBytes += entry.size;
            } else {
              skipped.allowedPaths++;
            }
            return;
          }
          const path = entry.path;
          // The walker's own per-file cap may be below ours: what was not delivered was not scanned.
          if (content.length < entry.size) {
            skipped.tooLargeFiles++;
            skipped.tooLargeBytes += entry.size - content.length;
          }
          const found = scanFile(path, content);
          if (found === 'binary') {
            skipped.binaryFiles++;
            return;
          }
          // Provenance compares whole-file checksums: only a file read whole can match its package's.
          const digests =
            found.length > 0 && content.length === entry.size ? fileDigests(content) : undefined;
          for (const secret of found) {
            findings.push({
              ...redact(secret.rule, secret.value, { path, line: secret.line, key: secret.key }),
              ...(digests !== undefined ? { digests } : {}),
            });
          }
        },
        finish: () => ({ findings, skipped, packaged: packaged.finish() }),
      };
    },

    assemble({ config, layers, stack, facts }) {
      const rawValues = new Set<string>();
      const configFindings: Array<{
        secret: LayerSecret;
        source: SecretFinding['source'];
        evidence: () => Evidence;
      }> = [];
      const record = (
        matches: TextMatch[],
        source: SecretFinding['source'],
        name: string,
        evidence: () => Evidence,
      ) => {
        for (const match of matches) {
          rawValues.add(match.value);
          configFindings.push({
            secret: redact(match.rule.id, match.value, { path: '', key: match.key ?? name }),
            source,
            evidence,
          });
        }
      };

      for (const pair of config.config?.Env ?? []) {
        const eq = pair.indexOf('=');
        const name = eq < 0 ? pair : pair.slice(0, eq);
        const value = eq < 0 ? '' : pair.slice(eq + 1);
        record(scanVariable(name, value), 'env', name, () => ({
          kind: 'config',
          path: 'Env',
          state: 'present',
          detail: `ENV ${name}`,
        }));
      }
      for (const [name, value] of Object.entries(config.config?.Labels ?? {})) {
        record(scanVariable(name, value), 'label', name, () => ({
          kind: 'config',
          path: 'Labels',
          state: 'present',
          detail: `LABEL ${name}`,
        }));
      }
      const infoByLayer = new Map<number, LayerInfo>(layers.map((l) => [l.info.index, l.info]));
      const seenHistory = new Set<string>();
      (config.history ?? []).forEach((entry, h) => {
        const createdBy = entry.created_by ?? '';
        if (createdBy === '') return;
        const layerIndex = facts.history[h]?.layerIndex;
        const layer =
          layerIndex === null || layerIndex === undefined ? undefined : infoByLayer.get(layerIndex);
        const { pairs, rest } = parseCreatedBy(createdBy);
        const matches: Array<{ match: TextMatch; detail: string }> = [];
        for (const [name, value] of pairs) {
          for (const match of scanVariable(name, value))
            matches.push({ match, detail: `build argument or variable ${name}` });
        }
        if (rest !== '') {
          for (const match of scanText(Buffer.from(rest, 'utf8')))
            matches.push({ match, detail: 'command text' });
        }
        for (const { match, detail } of matches) {
          const dedupe = `${match.rule.id}|${match.key ?? ''}|${match.value}`;
          if (seenHistory.has(dedupe)) continue;
          seenHistory.add(dedupe);
          record([match], 'history', match.key ?? '', () => historyEvidence(layer, h, detail));
        }
      });

      const scrub = scrubber(rawValues);
      const clean = (evidence: Evidence): Evidence =>
        evidence.createdBy === undefined ? evidence : { ...evidence, createdBy: scrub(evidence.createdBy) };

      const findings: SecretFinding[] = [];
      const vendorFindings: SecretFinding[] = [];
      const byOrigin: SecretsSection['byOrigin'] = { user: 0, 'os-package': 0, 'dependency-fixture': 0 };
      const place = (finding: SecretFinding): void => {
        byOrigin[finding.origin]++;
        (finding.severity === 'info' ? vendorFindings : findings).push(finding);
      };
      const index = packagedIndex(layers.map(({ result }) => result.packaged));
      const skipped: Skipped = { binaryFiles: 0, tooLargeFiles: 0, tooLargeBytes: 0, allowedPaths: 0 };
      for (const { info, result } of layers) {
        skipped.binaryFiles += result.skipped.binaryFiles;
        skipped.tooLargeFiles += result.skipped.tooLargeFiles;
        skipped.tooLargeBytes += result.skipped.tooLargeBytes;
        skipped.allowedPaths += result.skipped.allowedPaths;
        for (const secret of result.findings) {
          const origin = fileOrigin(secret.path, secret.digests, index);
          place(toFinding(secret, 'file', clean(fileEvidence(info, secret.path, stack)), origin));
        }
      }
      for (const { secret, source, evidence } of configFindings) {
        place(toFinding({ ...secret }, source, clean(evidence())));
      }
      const section: SecretsSection = { findings, vendorFindings, byOrigin, skipped };
      return { secrets: section };
    },

    findings(facts): ReportFinding[] {
      const section = facts.secrets;
      return [...(section?.findings ?? []), ...(section?.vendorFindings ?? [])].map((finding) => ({
        check: `secret-${finding.rule}`,
        severity: finding.severity,
        category: CATEGORY,
        message: `${finding.title}: ${finding.preview} in ${describe(finding)}${provenanceNote(finding)}`,
        evidence: [finding.evidence],
        fingerprint: finding.fingerprint,
      }));
    },
  };
}

/** The registered instance, with the documented default fingerprint key (see redact.ts). */
export const secrets = createSecretsExtractor();
