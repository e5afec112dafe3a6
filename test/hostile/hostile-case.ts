import type { TestRegistry } from '../support/registry.js';

/** The holes (issue 9, items 1–7) a case reproduces; undefined for classics that already hold. */
export type Hole = '1' | '2' | '3' | '4' | '5' | '6' | '7';

export interface CaseContext {
  /** A fresh directory for this case, removed after it. */
  dir: string;
  /** One CNCF registry shared by the catalogue, started the first time a case asks for it. */
  registry(): Promise<TestRegistry>;
  /** Runs after the case (stop a proxy, …), before `dir` is removed. */
  onCleanup(fn: () => Promise<void> | void): void;
}

export interface CaseRun {
  /** Arguments of `pushgate` (the CLI runs from the repository root). */
  args: string[];
  env?: Record<string, string>;
}

export interface CaseExpectation {
  exit: number;
  /** Every pattern must match stderr (a code such as `[MANIFEST_INVALID]`, a file:line:col…). */
  stderrMatches?: RegExp[];
  stdoutMatches?: RegExp[];
  /** stdout must parse as JSON (`--format json`/`sarif`): escaping must not break it. */
  stdoutIsJson?: boolean;
}

export interface HostileCase {
  /** Unique, kebab-case; printed in the summary. */
  id: string;
  hole?: Hole;
  title: string;
  build(ctx: CaseContext): Promise<CaseRun>;
  expect: CaseExpectation;
  /**
   * Peak RSS allowed for the CLI process; the catalogue's bound (300 MB) applies when unset.
   * Only the million-entry layers may raise it, with the measured figure in a comment.
   */
  maxRssMb?: number;
  /** Wall-clock bound of the CLI run (default 60 s): a dribbling registry must not hang the scan. */
  maxSeconds?: number;
  /** Budget of `build` + run for vitest (default 120 s), for the cases that write big layers. */
  testTimeoutMs?: number;
}
