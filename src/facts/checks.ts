import type { Evidence } from './evidence.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** A stable check: its id never changes meaning; CHECKS.md lists every one (a test keeps it so). */
export interface CheckDefinition {
  /** kebab-case, e.g. `compiler-present`, `secret-aws-access-key-id`. */
  id: string;
  title: string;
  severity: Severity;
  /** Report category the table groups by, e.g. `Compilers and build toolchains`. */
  category: string;
  /** What it looks at, for CHECKS.md (one or two sentences). */
  description: string;
  /**
   * The file that defines the check, from the repository root, for CHECKS.md. Absent means the
   * extractor's own file (`src/facts/extractors/<extractor id>.ts`); set by extractors whose
   * checks come from a table elsewhere (the secret rules).
   */
  definedIn?: string;
  /**
   * How to fix it, from the practices pushgate enforces (multi-stage builds, distroless runtimes,
   * numeric USER, BuildKit secrets…). Optional in the type so a new extractor compiles before its
   * remedy is written; a test (remedies.test.ts) fails for any registered check without one.
   */
  remedy?: Remedy;
}

export interface Remedy {
  /** One line for the table report, under the finding group. */
  summary: string;
  /** The full remedy as Markdown (one or two paragraphs, inline code): JSON, SARIF help, CHECKS.md. */
  markdown: string;
}

/** One finding as reports show it, derived from the facts document (never from raw content). */
export interface ReportFinding {
  check: string;
  severity: Severity;
  category: string;
  /** One line naming the thing found, e.g. `gcc 12.2.0 (package gcc-12)`; secrets only as masked previews. */
  message: string;
  evidence: Evidence[];
  /** A secret finding's keyed fingerprint (never the value): what an ignore entry names. */
  fingerprint?: string;
  /** The check's remedy (Markdown), filled in by the report from the check definition. */
  remedy?: string;
  /** The check's entry in CHECKS.md. */
  helpUri?: string;
}
