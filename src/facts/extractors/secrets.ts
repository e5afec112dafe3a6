import { createHash } from 'node:crypto';
import type { CheckDefinition, ReportFinding } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import type { Evidence } from '../evidence.js';
import { fileEvidence, historyEvidence } from '../evidence.js';
import type { FactExtractor, Want } from '../extractor.js';
import type { FileCount, SecretFinding, SecretsSection } from '../image-facts.js';
import type { LayerEntry, LayerInfo } from '../../inspect/types.js';
import { CREDENTIAL_FILE_PARSERS, credentialParserFor } from '../../secrets/credential-files/index.js';
import { DEFAULT_FINGERPRINT_KEY, fingerprint, maskedPreview } from '../../secrets/redact.js';
import { SECRET_RULES, type SecretSeverity } from '../../secrets/rules.js';
import { scanText, scanVariable, type TextMatch } from '../../secrets/scan-text.js';
import { isSkippedFileName } from '../../secrets/skip-rules.js';
import { scanFile, type FileKind, type FileSecret } from '../../secrets/scan-file.js';
import { digestsOf, type FileDigests } from '../../secrets/file-digests.js';
import { STREAM_WINDOW, StreamScanner } from '../../secrets/stream-scanner.js';
import { parseCreatedBy } from '../../secrets/parse-created-by.js';
import { isVerifiable } from '../../secrets/verifiable.js';
import { fileOrigin, type FileOrigin } from '../tools/file-origin.js';
import { packagedIndex, PackagedListingCollector, type PackagedListing } from '../tools/packaged-listing.js';

/** Bump when rules, parsers or the result shape change: it is part of the layer cache key. */
const RULES_VERSION = 3;
/**
 * Files up to this size are scanned in memory (credential parsers included); larger ones are
 * scanned as they stream by, in bounded windows (`src/secrets/stream-scanner.ts`).
 */
export const SECRETS_CONTENT_CAP = 1024 * 1024;
const STREAM: Want = Object.freeze({ stream: true as const });
/**
 * Streamed text files are hashed as they pass (their keys and assignments may be vendor content);
 * streamed binaries are not: three hashes of every large binary cost more than the scan itself,
 * and only a private key found in one could be softened. Such a finding is the user's, marked
 * `checksumNotComputed` when a package lists the file.
 */
const STREAM_DIGESTS = 'text' as const;
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
  /**
   * Checksums of the whole file the finding is in (for provenance); absent when only part was
   * read, and for binaries streamed past the in-memory limit (see `STREAM_DIGESTS`).
   */
  digests?: FileDigests;
  /** A live format its issuer can check: fails whatever the file's origin. */
  verifiable?: true;
}

type Skipped = SecretsSection['skipped'];
type Scanned = SecretsSection['scanned'];

interface LayerResult {
  findings: LayerSecret[];
  skipped: Skipped;
  scanned: Scanned;
  /** The files this layer's package databases list, with their checksums. */
  packaged: PackagedListing;
}

const emptySkipped = (): Skipped => ({ byType: { files: 0, bytes: 0 }, tooLarge: { files: 0, bytes: 0 } });
const emptyScanned = (): Scanned => ({
  textFiles: 0,
  binaryFiles: 0,
  utf16Files: 0,
  streamedFiles: 0,
  bytes: 0,
});

function addCount(into: FileCount, from: FileCount): void {
  into.files += from.files;
  into.bytes += from.bytes;
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
        "Where the file came from: an OS package (its database lists the file with the file's checksum), a test/fixture/example tree of an installed dependency, or the user (everything else; ENV, labels and history too).",
    },
    package: {
      type: 'string',
      description:
        'The OS package or dependency the file belongs to; for a `user` finding, the package that lists the file.',
    },
    changedAfterInstall: {
      const: true,
      description:
        "A package database lists the file with another checksum: it was changed after installation, so it is the user's.",
    },
    checksumNotComputed: {
      const: true,
      description:
        "A package database lists the file but its checksum was not computed (a binary over 1 MiB, or content the walker cut): the user's, since it could not be verified.",
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

const FILE_COUNT_SCHEMA = {
  type: 'object',
  required: ['files', 'bytes'],
  additionalProperties: false,
  properties: {
    files: { type: 'integer', minimum: 0 },
    bytes: { type: 'integer', minimum: 0 },
  },
} as const;

const SECRETS_SCHEMA = {
  description:
    'Secrets found in file contents of every layer (deleted files too), ENV values, labels and history (build arguments); redacted at the source.',
  type: 'object',
  required: ['findings', 'vendorFindings', 'byOrigin', 'skipped', 'scanned'],
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
      description: 'Files not scanned, by reason (files and their bytes).',
      required: ['byType', 'tooLarge'],
      additionalProperties: false,
      properties: {
        byType: {
          ...FILE_COUNT_SCHEMA,
          description: 'Media, fonts, compressed files and gettext catalogues, by extension.',
        },
        tooLarge: {
          ...FILE_COUNT_SCHEMA,
          description:
            "Content the walker's per-file limit kept from the scanner: files cut, bytes not scanned (normally 0: large files are streamed).",
        },
      },
    },
    scanned: {
      type: 'object',
      description: 'Files scanned, and how.',
      required: ['textFiles', 'binaryFiles', 'utf16Files', 'streamedFiles', 'bytes'],
      additionalProperties: false,
      properties: {
        textFiles: { type: 'integer', minimum: 0, description: 'Read by every text rule.' },
        binaryFiles: {
          type: 'integer',
          minimum: 0,
          description: 'Binaries (compiled objects too), read by the high-confidence rules only.',
        },
        utf16Files: {
          type: 'integer',
          minimum: 0,
          description: 'UTF-16 text with a byte-order mark, decoded and read by every text rule.',
        },
        streamedFiles: {
          type: 'integer',
          minimum: 0,
          description:
            'Files over 1 MiB, scanned as they streamed by in bounded windows (counted by kind too).',
        },
        bytes: { type: 'integer', minimum: 0, description: 'Content bytes scanned.' },
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

function originFields(
  origin: FileOrigin,
): Pick<SecretFinding, 'origin' | 'package' | 'changedAfterInstall' | 'checksumNotComputed'> {
  if (origin.origin !== 'user') return { origin: origin.origin, package: origin.package };
  if (origin.listedBy === undefined) return { origin: 'user' };
  return origin.checked
    ? { origin: 'user', package: origin.listedBy, changedAfterInstall: true }
    : { origin: 'user', package: origin.listedBy, checksumNotComputed: true };
}

function provenanceNote(finding: SecretFinding): string {
  const pkg = finding.package ?? '?';
  if (finding.origin === 'os-package') return ` (shipped by OS package ${pkg})`;
  if (finding.origin === 'dependency-fixture') return ` (test fixture of dependency ${pkg})`;
  if (finding.changedAfterInstall) return ` (file of OS package ${pkg}, changed after installation)`;
  if (finding.checksumNotComputed) return ` (listed by OS package ${pkg}; its checksum was not computed)`;
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
    ...(isVerifiable(rule, value, location.key) ? { verifiable: true as const } : {}),
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
      ...originFields(origin),
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
    // A layer thread makes the same extractor from these (configureExtractor in index.ts).
    threadOptions: { fingerprintKey: key },
    checks: CHECKS,
    schema: { secrets: SECRETS_SCHEMA },

    wants(entry) {
      if (entry.type !== 'file' || entry.size === 0) return false;
      const path = entry.path;
      const base = baseName(path);
      const checksums = PackagedListingCollector.wants(path);
      if (checksums !== undefined) return { content: checksums };
      if (credentialParserFor(path, base) === undefined && isSkippedFileName(base)) return 'header';
      if (entry.size > SECRETS_CONTENT_CAP) return STREAM;
      return { content: entry.size };
    },

    collect() {
      const findings: LayerSecret[] = [];
      const skipped = emptySkipped();
      const scanned = emptyScanned();
      /** The file being streamed, and its scanner. */
      let streamEntry: LayerEntry | undefined;
      let stream: StreamScanner | undefined;
      /** One window for every streamed file of the layer, in turn: 1 MiB less garbage per file. */
      let window: Buffer | undefined;
      const packaged = new PackagedListingCollector();

      const count = (kind: FileKind, bytes: number, streamed: boolean): void => {
        if (kind === 'binary') scanned.binaryFiles++;
        else if (kind === 'utf16') scanned.utf16Files++;
        else scanned.textFiles++;
        if (streamed) scanned.streamedFiles++;
        scanned.bytes += bytes;
      };
      const record = (path: string, secrets: FileSecret[], digests: () => FileDigests | undefined): void => {
        if (secrets.length === 0) return;
        const sums = digests();
        for (const secret of secrets) {
          findings.push({
            ...redact(secret.rule, secret.value, { path, line: secret.line, key: secret.key }),
            ...(sums !== undefined ? { digests: sums } : {}),
          });
        }
      };

      return {
        onChunk(entry, chunk) {
          if (entry !== streamEntry || stream === undefined) {
            streamEntry = entry;
            // Hashed on the way: provenance needs the checksums of a flagged file, and there is no second read.
            window ??= Buffer.allocUnsafe(STREAM_WINDOW);
            stream = new StreamScanner({ digests: STREAM_DIGESTS, buffer: window });
          }
          stream.push(chunk);
        },
        onEntry(entry, content) {
          if (stream !== undefined && entry === streamEntry) {
            const result = stream.finish();
            stream = streamEntry = undefined;
            count(result.kind, result.bytes, true);
            record(entry.path, result.secrets, () => result.digests);
            return;
          }
          if (content !== undefined) packaged.add(entry.path, content, entry.size);
          if (content === undefined) {
            skipped.byType.files++;
            skipped.byType.bytes += entry.size;
            return;
          }
          const path = entry.path;
          // The walker's own per-file limit may be below ours: what was not delivered was not scanned.
          const whole = content.length === entry.size;
          if (!whole) {
            skipped.tooLarge.files++;
            skipped.tooLarge.bytes += entry.size - content.length;
          }
          const found = scanFile(path, content);
          count(found.kind, content.length, false);
          record(path, found.secrets, () => (whole ? digestsOf(content) : undefined));
        },
        finish: () => ({ findings, skipped, scanned, packaged: packaged.finish() }),
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
      const skipped = emptySkipped();
      const scanned = emptyScanned();
      for (const { info, result } of layers) {
        addCount(skipped.byType, result.skipped.byType);
        addCount(skipped.tooLarge, result.skipped.tooLarge);
        for (const k of Object.keys(scanned) as Array<keyof Scanned>) scanned[k] += result.scanned[k];
        for (const secret of result.findings) {
          const origin = fileOrigin(secret.path, secret.digests, index);
          place(toFinding(secret, 'file', clean(fileEvidence(info, secret.path, stack)), origin));
        }
      }
      for (const { secret, source, evidence } of configFindings) {
        place(toFinding({ ...secret }, source, clean(evidence())));
      }
      const section: SecretsSection = { findings, vendorFindings, byOrigin, skipped, scanned };
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
