import type { Verdict } from '../policy/types.js';

export type Decision = Verdict['decision'];

/** What an action did. `dry-run` means it was planned and logged, not performed. */
export type ActionOutcome = 'done' | 'dry-run' | 'skipped' | 'failed';

export type ActionKind = 'delete' | 'quarantine' | 'tag' | 'attach' | 'notify';

export interface ActionRecord {
  kind: ActionKind;
  outcome: ActionOutcome;
  /** What was (or would be) done, e.g. `tag 127.0.0.1:5000/prod/app:1.0-verified`. */
  detail: string;
  /** Why it failed or was skipped. */
  error?: string;
  at: string;
}

/** A short summary of the facts for API listings; never secret values. */
export interface FactsSummary {
  platforms: string[];
  user?: string;
  compilers: string[];
  shells: string[];
  packageManagers: string[];
  secrets: number;
  sizeBytes: number;
  layers: number;
}

/**
 * One image (registry + repository + manifest digest) as pushgate last judged it. Per-platform
 * verdicts stay whole; `decision` is the strongest of them.
 */
export interface ImageRecord {
  registry: string;
  /** The registry host as references name it. */
  registryHost: string;
  repository: string;
  digest: string;
  /** Every tag this digest was pushed under (as events reported or the worker resolved). */
  tags: string[];
  decision: Decision;
  /** One line per failing enforce policy / violation, for listings. */
  reasons: string[];
  verdicts: Verdict[];
  facts: FactsSummary;
  actions: ActionRecord[];
  policySetVersion: string;
  evaluatedAt: string;
  /** Milliseconds the inspection took. */
  scanMs: number;
  /**
   * Set when the image could not be inspected: decision `error` for an infrastructure fault (or
   * under fail-open), `reject` with `unjudged` for an image that cannot be judged under fail-closed.
   */
  error?: { code: string; message: string };
  /** Rejected because it could not be judged (reason UNJUDGED); enforced by `enforcement.rejectUnjudged`. */
  unjudged?: true;
}

/** One entry of the audit stream. */
export interface AuditEntry {
  /** Redis stream id. */
  id?: string;
  time: string;
  /**
   * What happened: `event` (accepted/ignored push), `verdict`, `action`, `break-glass` (an
   * admission exemption granted or revoked; registry and repository are empty), `admission` (an
   * image the admission webhook denied, or would deny in audit mode).
   */
  type: 'event' | 'verdict' | 'action' | 'break-glass' | 'admission';
  registry: string;
  repository: string;
  digest?: string;
  tag?: string;
  decision?: Decision;
  action?: ActionKind;
  outcome?:
    ActionOutcome | 'accepted' | 'ignored' | 'failed' | 'granted' | 'revoked' | 'denied' | 'would-deny';
  detail?: string;
  /** break-glass: the cluster namespace, who granted or revoked, and when the exemption ends. */
  namespace?: string;
  by?: string;
  until?: string;
  /** Job id or event id, to follow one push through. */
  ref?: string;
}
