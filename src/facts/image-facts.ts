import type { SourceKind } from '../image/types.js';
import type { Evidence } from './evidence.js';
export type { Evidence };

/**
 * The document policies are written against, one per platform. `facts.schema.json` beside this
 * file describes it; a test validates every document the scanner produces against that schema.
 * Structural sections are always present; detector sections come from the extractors.
 */
export interface ImageFacts {
  image: ImageSection;
  config: ConfigSection;
  history: HistoryFact[];
  layers: LayerFact[];
  totals: TotalsSection;
  // Detector sections: present when their extractor ran.
  os?: OsFact | null;
  packages?: PackagesSection;
  compilers?: ToolFinding[];
  shells?: ToolFinding[];
  packageManagers?: ToolFinding[];
  devDependencies?: DevDependenciesSection;
  user?: UserSection;
  permissions?: PermissionsSection;
  efficiency?: EfficiencySection;
  secrets?: SecretsSection;
  nativeCode?: NativeCodeSection;
  buildOrder?: BuildOrderSection;
  savings?: SavingsSection;
}

export interface ImageSection {
  reference: string;
  source: SourceKind;
  indexDigest?: string;
  manifestDigest?: string;
  configDigest: string;
  /** `os/arch[/variant]` */
  platform: string;
  created?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ConfigSection {
  /** USER exactly as written in the config; null when not set. Resolution happens in the user detector. */
  user: string | null;
  /** ENV variable names only: values may hold secrets and are scanned, never copied. */
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  exposedPorts: string[];
  volumes: string[];
  workdir: string | null;
  stopSignal: string | null;
  healthcheck: HealthcheckFact | null;
}

export interface HealthcheckFact {
  test: string[];
  /** True for `HEALTHCHECK NONE` (test `["NONE"]`), which disables an inherited check. */
  disabled: boolean;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  startPeriodSeconds?: number;
  retries?: number;
}

export interface HistoryFact {
  index: number;
  /** `created_by`, with the values of secret-looking build arguments masked. */
  createdBy: string;
  created?: string;
  comment?: string;
  emptyLayer: boolean;
  /** Index of the layer this step produced, null for empty-layer steps. */
  layerIndex: number | null;
}

export interface LayerFact {
  index: number;
  digest: string;
  diffId?: string;
  mediaType: string;
  compressedSize: number;
  uncompressedSize: number;
  fileCount: number;
  /** Regular-file bytes this layer wrote. */
  bytesAdded: number;
  /** Bytes of lower-layer files this layer deleted or replaced. */
  bytesRemoved: number;
  createdBy?: string;
  /** Non-fatal oddities the walker saw (duplicate paths, dangling hard links…). */
  warnings: string[];
}

export interface TotalsSection {
  layerCount: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Files visible in the final filesystem (all entry kinds but directories). */
  fileCount: number;
  /** Regular-file bytes visible in the final filesystem. */
  finalBytes: number;
  /** Bytes written by one layer and overwritten or deleted by a later one. */
  wastedBytes: number;
}

export interface OsFact {
  id: string;
  versionId?: string;
  prettyName?: string;
  evidence: Evidence;
}

export interface InstalledPackage {
  manager: 'dpkg' | 'apk' | 'rpm';
  name: string;
  version: string;
  /** Source package (dpkg `Source:`, apk `o:`, rpm source RPM name) when it differs or is known. */
  source?: string;
  architecture?: string;
  /** The database file and the layer whose copy of it first lists the package. */
  evidence: Evidence;
}

export interface PackagesSection {
  items: InstalledPackage[];
  /** Package databases found but not read, with why (e.g. rpm BerkeleyDB). Never silent. */
  unread: Array<{ path: string; format: string; reason: string; evidence?: Evidence }>;
}

/**
 * A tool present in the final image (compiler, shell, package manager): at least one piece of
 * evidence is `present`. Tools whose every trace a later layer removed are not listed.
 */
export interface ToolFinding {
  /** The tool's canonical name: `gcc`, `bash`, `busybox`, `apt`, `npm`. */
  name: string;
  /** Family, e.g. `c`, `go`, `rust`, `java`, `build` for compilers; the shell or manager name otherwise. */
  kind: string;
  /** Package database, binaries on disk (checked by content: ELF or script), history commands. */
  evidence: Evidence[];
}

export interface DevDependency {
  ecosystem: 'npm' | 'pnpm' | 'yarn' | 'python' | 'composer';
  name: string;
  version?: string;
  /** How we know it is a dev dependency: `devDependencies of /app/package.json`, `"dev": true in .package-lock.json`. */
  reason: string;
  /**
   * True when the project's manifest names it (package.json `devDependencies`, composer.json
   * `require-dev`); false when only a lockfile marks it, i.e. it came in through a dev
   * dependency; absent where the ecosystem does not say (Python tools).
   */
  direct?: boolean;
  evidence: Evidence[];
}

export interface BuildLeftover {
  kind:
    | 'test-suite'
    | 'typescript-source'
    | 'source-map'
    | 'git-directory'
    | 'dockerfile'
    | 'compose-file'
    | 'editor-folder'
    | 'package-cache';
  /** The path reported (a directory for trees: one finding per tree, not per file). */
  path: string;
  /** Files under it and their bytes, when it is a tree. */
  files: number;
  bytes: number;
  evidence: Evidence[];
}

export interface DevDependenciesSection {
  packages: DevDependency[];
  leftovers: BuildLeftover[];
  /** Dependency records present in the image but not read in full (cut by the content cap, not JSON). */
  incomplete: Array<{ path: string; reason: string }>;
}

export interface UserSection {
  /** USER as written in the config, null when unset. */
  configured: string | null;
  /** True when USER is set (even to root); false when the image runs as the default user. */
  explicit: boolean;
  /** The user name, when known (from the config or /etc/passwd). */
  name: string | null;
  uid: number | null;
  gid: number | null;
  /** Runs as UID 0, by name or number, or a name /etc/passwd maps to 0. */
  root: boolean;
  /**
   * Non-root UID whose primary or supplementary group is 0 (can write root-group files) because
   * USER or the account files say so; the runtime's default GID 0 for a numeric UID without a
   * passwd entry does not count (that is every scratch/distroless `USER 65532`).
   */
  rootGroup: boolean;
  /**
   * USER names an account /etc/passwd does not have, or a group /etc/group does not have, or an id
   * out of range: the container fails to start (numeric ids without an entry are fine).
   */
  unknownName: boolean;
  /** One sentence on how the user was resolved. */
  reason: string;
  evidence: Evidence[];
}

export interface ModeFinding {
  path: string;
  /** Octal mode string, e.g. `4755`. */
  mode: string;
  uid: number;
  gid: number;
  evidence: Evidence;
}

export interface PermissionsSection {
  setuid: ModeFinding[];
  setgid: ModeFinding[];
  /** World-writable regular files and directories without the sticky bit. */
  worldWritable: ModeFinding[];
  /** How many of each the final filesystem holds; the lists above stop at 1000 paths each. */
  counts: { setuid: number; setgid: number; worldWritable: number };
}

export interface EfficiencySection {
  /** Bytes of every copy a later layer overwrote or deleted (N−1 copies; opaque directories count). */
  wastedBytes: number;
  /** 1 − wasted / total bytes written by all layers; 1 when nothing is wasted. */
  score: number;
  largestFiles: Array<{ path: string; bytes: number; evidence: Evidence }>;
  /** Paths with wasted bytes, largest first (at most 20). */
  wasted: Array<{ path: string; bytes: number; copies: number; evidence: Evidence[] }>;
}

export interface SecretFinding {
  /** Rule id, e.g. `aws-access-key-id`, `npmrc-auth-token`. */
  rule: string;
  title: string;
  /** The rule's severity; `info` for vendor content and dependency fixtures (`vendorFindings`). */
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** Where: a file (with line), an ENV variable, a label or a history step (with the build-arg name). */
  source: 'file' | 'env' | 'label' | 'history';
  /** Where the file came from; ENV, labels and history are the user's. */
  origin: 'user' | 'os-package' | 'dependency-fixture';
  /** The OS package or dependency of the file (for `user`: the package whose file was changed). */
  package?: string;
  /** A package database lists the file with another checksum. */
  changedAfterInstall?: true;
  /** A package database lists the file, but its checksum was not computed (a large binary): not verified. */
  checksumNotComputed?: true;
  /** A live format its issuer can check: blocking whatever the origin. */
  verifiable?: true;
  /** ENV/label/build-arg name, or the key in a credential file (`_authToken`, `auths.ghcr.io.auth`). */
  key?: string;
  line?: number;
  /** A few leading characters and the length, e.g. `npm_ab…(40 chars)`; never the value. */
  preview: string;
  /** Keyed hash of the value (HMAC-SHA-256, hex, first 16 chars): the same secret twice matches. */
  fingerprint: string;
  evidence: Evidence;
}

export interface SecretsSection {
  /** The user's findings, and verifiable formats whatever their origin. */
  findings: SecretFinding[];
  /** Keys and generic assignments in vendor content and dependency fixtures, at `info`. */
  vendorFindings: SecretFinding[];
  byOrigin: Record<SecretFinding['origin'], number>;
  /** What was not scanned, by reason: nothing is skipped silently. */
  skipped: {
    /** Media, fonts, compressed files and catalogues, by extension (`src/secrets/skip-rules.ts`). */
    byType: FileCount;
    /** Content the walker's own per-file limit kept from the scanner (bytes not delivered). */
    tooLarge: FileCount;
  };
  /** What was scanned, and how. */
  scanned: {
    /** Read by every text rule. */
    textFiles: number;
    /** Read by the high-confidence (`binary`) rules only. */
    binaryFiles: number;
    /** UTF-16 with a byte-order mark, decoded, then read by every text rule. */
    utf16Files: number;
    /** Larger than the in-memory limit: scanned as they streamed by, in windows (any kind above). */
    streamedFiles: number;
    /** Content bytes scanned. */
    bytes: number;
  };
}

/** A file a runtime would load, built for another architecture than the image's. */
export interface NativeMismatch {
  path: string;
  /** What the ELF header says, in GOARCH spelling (`amd64`). */
  architecture: string;
  imageArchitecture: string;
  /** e_machine as readelf names it (`x86-64`). */
  machine: string;
  bits: 32 | 64;
  /** The npm package or Python module that brought it. */
  package?: string;
  ecosystem?: 'npm' | 'python';
  evidence: Evidence;
}

export interface NativeCodeSection {
  /** The config's architecture, normalised; null when absent or unknown. */
  imageArchitecture: string | null;
  /** False when the image architecture is unknown: nothing is then a mismatch, `reason` says so. */
  judged: boolean;
  reason?: string;
  /** Loadable ELF files (executables, shared objects) of the final filesystem. */
  elfFiles: number;
  byArchitecture: Record<string, number>;
  /** Sorted by path, at most 1000. */
  mismatches: NativeMismatch[];
  /** Other-architecture files not reported, by why. */
  ignored: {
    notLoadable: number;
    platformDirectory: number;
    platformPackage: number;
    testPath: number;
    compat32: number;
    unknownMachine: number;
  };
  counts: { mismatches: number };
}

/** One history step as build-order findings name it. */
export interface BuildStep {
  /** Index in the config history. */
  index: number;
  /** `created_by`, redacted as `history[].createdBy` is. */
  createdBy: string;
}

/** A step copying the whole build context, followed by a dependency install. */
export interface ContextCopyBeforeInstall {
  copy: BuildStep;
  install: BuildStep & { command: string };
  evidence: Evidence[];
}

export interface BuildOrderSection {
  contextCopyBeforeInstall: ContextCopyBeforeInstall[];
}

export interface FileCount {
  files: number;
  bytes: number;
}

/** The categories of `savings`, in the order bytes are attributed (each byte counted once). */
export type SavingsCategory =
  'buildToolchain' | 'devDependencies' | 'packageManagers' | 'cachesAndLeftovers' | 'wasted' | 'rest';

/**
 * What a runtime stage built the multi-stage way would drop: every byte the layers write is
 * attributed to the first category (in `SavingsCategory` order) that claims it, so the
 * categories add up to `totalBytes`.
 */
export interface SavingsSection {
  /** Bytes of file content all layers write (deleted and overwritten files included). */
  totalBytes: number;
  categories: Record<SavingsCategory, { bytes: number; files: number }>;
  /** Everything but `rest`. */
  removableBytes: number;
  /** removableBytes / totalBytes (0 when the image is empty). */
  removableRatio: number;
  /** totalBytes − removableBytes: about what a runtime stage without them would hold. */
  runtimeEstimateBytes: number;
  /** The largest contributors per category (at most 10 each), for reports. */
  top: Array<{ category: SavingsCategory; label: string; bytes: number; files: number }>;
}
