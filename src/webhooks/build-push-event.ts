import { isValidRepository, isValidTag } from '../oci/reference.js';
import { isDigest } from '../oci/digest.js';
import { quote } from '../quote.js';
import type { ParsedPushEvent } from './types.js';

/** What an adapter read out of one event, before any check: values straight from the payload. */
export interface PushEventCandidate {
  /** Already passed through `hostHint`. */
  registryHost?: string;
  repository: unknown;
  tag?: unknown;
  digest?: unknown;
  mediaType?: unknown;
  eventId?: unknown;
  actor?: unknown;
}

export type BuildPushEventResult = { event: ParsedPushEvent } | { problem: string };

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const EVENT_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;
const MAX_ACTOR = 128;

/**
 * Validates one candidate: the repository and any tag must be valid names (else the event is
 * invalid); a malformed digest is dropped, since the worker resolves the tag from the registry
 * anyway, unless there is then neither tag nor digest left. Optional descriptive fields that are
 * malformed are dropped silently: they never decide anything.
 */
export function buildPushEvent(candidate: PushEventCandidate): BuildPushEventResult {
  const { repository } = candidate;
  if (typeof repository !== 'string' || repository === '') {
    return { problem: `repository is ${describe(repository)}` };
  }
  if (!isValidRepository(repository)) {
    return { problem: `repository ${quote(repository)} is not a valid repository name` };
  }

  let tag: string | undefined;
  if (candidate.tag !== undefined && candidate.tag !== null && candidate.tag !== '') {
    if (typeof candidate.tag !== 'string') return { problem: `tag is ${describe(candidate.tag)}` };
    if (!isValidTag(candidate.tag)) return { problem: `tag ${quote(candidate.tag)} is not a valid tag` };
    tag = candidate.tag;
  }

  const digest =
    typeof candidate.digest === 'string' && candidate.digest.length <= 200 && isDigest(candidate.digest)
      ? candidate.digest
      : undefined;
  if (tag === undefined && digest === undefined) {
    const digestNote =
      candidate.digest === undefined || candidate.digest === null || candidate.digest === ''
        ? 'no digest'
        : `digest ${quote(candidate.digest)} is not a valid digest`;
    return { problem: `neither a tag nor a valid digest (${digestNote})` };
  }

  const event: ParsedPushEvent = { repository };
  if (candidate.registryHost !== undefined) event.registryHost = candidate.registryHost;
  if (tag !== undefined) event.tag = tag;
  if (digest !== undefined) event.digest = digest;
  const mediaType = normaliseMediaType(candidate.mediaType);
  if (mediaType !== undefined) event.mediaType = mediaType;
  const eventId = normaliseEventId(candidate.eventId);
  if (eventId !== undefined) event.eventId = eventId;
  const actor = normaliseActor(candidate.actor);
  if (actor !== undefined) event.actor = actor;
  return { event };
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === '') return 'empty';
  return typeof value === 'string' ? quote(value) : `${quote(value)}, not a string`;
}

/** Media type without parameters, lower-cased; undefined unless it looks like `type/subtype`. */
export function normaliseMediaType(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const bare = value.split(';')[0].trim().toLowerCase();
  return MEDIA_TYPE.test(bare) ? bare : undefined;
}

function normaliseEventId(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && EVENT_ID.test(text) ? text : undefined;
}

function normaliseActor(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 4 * MAX_ACTOR) return undefined;
  // Control and format characters (bidi overrides, zero-width) could forge or hide log text.
  const cleaned = value.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return cleaned === '' || cleaned.length > MAX_ACTOR ? undefined : cleaned;
}
