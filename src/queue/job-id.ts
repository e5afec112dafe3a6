import { createHash } from 'node:crypto';

/** Events without a sender id that arrive within this window count as one delivery. */
export const DEDUPLICATION_WINDOW_MS = 60_000;

/**
 * The key of one delivery: the sender's event id when it has one (distribution, Harbor
 * CloudEvents, GHCR, ACR: a retried delivery repeats it), else the minute it arrived in (Docker
 * Hub, Quay, JFrog send none: the same push repeated within the window is one delivery).
 */
export function eventKey(eventId: string | undefined, receivedAt: string): string {
  if (eventId) return `id=${eventId}`;
  const at = Date.parse(receivedAt);
  return `window=${Number.isNaN(at) ? receivedAt : Math.floor(at / DEDUPLICATION_WINDOW_MS)}`;
}

/**
 * Deterministic job ids make BullMQ drop a duplicate delivery, while every real push — another
 * tag, or the same tag pushed again after pushgate deleted it — gets its own job and so its own
 * enforcement. "Inspected once" is the inspection lock's job, not the id's. BullMQ refuses `:` in
 * custom ids, so the parts are hashed.
 */
export function inspectJobId(parts: {
  registry: string;
  repository: string;
  digest?: string;
  tag?: string;
  policySetVersion: string;
  eventKey: string;
}): string {
  const subject = `${parts.digest ?? ''};tag=${parts.tag ?? ''};${parts.eventKey}`;
  return `inspect-${digestText(`${parts.registry}\n${parts.repository}\n${subject}\n${parts.policySetVersion}`)}`;
}

/** The enforcement that follows one inspect job (so one per delivery). */
export function enforceJobId(inspectJobId: string): string {
  return `enforce-${digestText(inspectJobId)}`;
}

export const JOB_ID_PATTERN = /^(inspect|enforce)-[0-9a-f]{40}$/;

function digestText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}
