import type { PushEvent } from '../webhooks/types.js';

export const INSPECT_QUEUE = 'inspect';
export const ENFORCE_QUEUE = 'enforce';

/** An image to inspect: what the push event said (the digest may be missing: Docker Hub, Quay). */
export interface InspectJobData {
  registry: string;
  repository: string;
  digest?: string;
  tag?: string;
  /** `api`: POST /api/v1/scans; `admission`: an image a pod asked for that pushgate had not judged. */
  source: PushEvent['source'] | 'api' | 'admission';
  eventId?: string;
  receivedAt: string;
  /** Set by `POST /api/v1/scans`: inspect again even when a verdict for this policy set exists. */
  force?: boolean;
  /** Intake thought pushgate itself made this push (see PushEvent.ownWriteHint). */
  ownWriteHint?: string;
  /** The sender's quirk (see WebhookAdapter.untaggedManifestsBelongToIndex). */
  untaggedManifestsBelongToIndex?: true;
}

export type InspectJobResult =
  | { outcome: 'inspected'; digest: string; decision: string }
  | { outcome: 'skipped'; digest?: string; reason: string };

/** Apply the stored verdict of one image. */
export interface EnforceJobData {
  registry: string;
  repository: string;
  digest: string;
  /** The tag whose push led here: tag actions apply to it only. None for a digest-only push. */
  tag?: string;
  /**
   * `verdict`: the first enforcement after an inspection (registry actions, report, notifications).
   * `push`: a later push of an already judged image (another tag, a re-push): registry actions only.
   */
  phase: 'verdict' | 'push';
  /** Actions already done in an earlier attempt (a retry runs only the rest). */
  done?: string[];
}
