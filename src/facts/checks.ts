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
}

/** One finding as reports show it, derived from the facts document (never from raw content). */
export interface ReportFinding {
  check: string;
  severity: Severity;
  category: string;
  /** One line naming the thing found, e.g. `gcc 12.2.0 (package gcc-12)`; secrets only as masked previews. */
  message: string;
  evidence: Evidence[];
}
