import type { AdmittedImage } from '../store/admitted-images.js';
import type { ActionKind } from '../store/types.js';
import type { SecretValue } from './secret-value.js';

interface PlannedBase {
  /**
   * What the action does, stable for a given plan (`tag 127.0.0.1:5000/team/app:v1-verified`):
   * the ActionRecord's detail, and a key to recognise the action again on a retry. Never holds a
   * secret (a notify target shows its origin only: webhook URLs often carry a token in the path).
   */
  detail: string;
  /** Why this action was planned instead of the obvious one (e.g. a tag because deletes are off). */
  reason?: string;
  /** Set when the action could not be planned correctly (bad template): it is recorded as failed. */
  problem?: string;
}

/** Delete the manifest `digest` from `repository` (every tag pointing at it goes with it). */
export interface PlannedDelete extends PlannedBase {
  kind: 'delete';
  repository: string;
  digest: string;
}

/** Copy the manifest (and everything it refers to) into `quarantineRepository`, then delete it. */
export interface PlannedQuarantine extends PlannedBase {
  kind: 'quarantine';
  repository: string;
  digest: string;
  quarantineRepository: string;
  /** Tags the copy gets in the quarantine repository (the image's own tags). */
  tags: string[];
}

/** PUT the manifest `digest` of `repository` under `tag`. */
export interface PlannedTag extends PlannedBase {
  kind: 'tag';
  repository: string;
  digest: string;
  tag: string;
}

/** Store the verdict as an OCI artifact whose subject is `repository@digest`. */
export interface PlannedAttach extends PlannedBase {
  kind: 'attach';
  repository: string;
  digest: string;
}

/** POST the verdict to a configured URL. */
export interface PlannedNotify extends PlannedBase {
  kind: 'notify';
  url: string;
  /** Index of the target in `enforcement.notify`, to name it without its URL. */
  target: number;
  secret?: SecretValue;
  /** Workloads the cluster admitted with this digest: the payload names them (`admitted`). */
  admitted?: AdmittedImage[];
}

/**
 * One registry change or delivery planned for an image's verdict. Plans are computed where they
 * run: a notify secret is a SecretValue and does not survive JSON (it serialises as `[redacted]`).
 */
export type PlannedAction = PlannedDelete | PlannedQuarantine | PlannedTag | PlannedAttach | PlannedNotify;

export type PlannedOf<K extends ActionKind> = Extract<PlannedAction, { kind: K }>;
