import { createHash } from 'node:crypto';

/**
 * Deterministic job ids make BullMQ drop duplicate events (a sender retrying a delivery). BullMQ
 * refuses `:` in custom ids, so the parts are hashed.
 */
export function inspectJobId(parts: {
  registry: string;
  repository: string;
  digest?: string;
  tag?: string;
  policySetVersion: string;
  /** Events without a digest name only a tag that may move: they are not deduplicated beyond this. */
  eventKey?: string;
}): string {
  // With a digest, one job per tag: each tag's event must lead to that tag's enforcement, while
  // the inspection lock makes sure the digest itself is inspected once.
  const subject = parts.digest
    ? `${parts.digest};tag=${parts.tag ?? ''}`
    : `tag=${parts.tag ?? ''};event=${parts.eventKey ?? ''}`;
  return `inspect-${digestText(`${parts.registry}\n${parts.repository}\n${subject}\n${parts.policySetVersion}`)}`;
}

/** One enforcement per image, policy set and tag: a tag pushed later gets its own (pass tag, re-delete). */
export function enforceJobId(
  registry: string,
  repository: string,
  digest: string,
  policySetVersion: string,
  tag?: string,
): string {
  return `enforce-${digestText(`${registry}\n${repository}\n${digest}\n${policySetVersion}\n${tag ?? ''}`)}`;
}

function digestText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}
