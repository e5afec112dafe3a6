import type { AdapterId } from '../config/types.js';

/**
 * What an adapter reads out of one payload, before the registry is checked against configuration.
 * `registryHost` is what the payload claims (a hint only): intake maps it to a configured registry
 * or answers 422, and never contacts a host taken from a payload.
 */
export interface ParsedPushEvent {
  /** Host the payload names (`request.host`, `resource_url` host, `docker.io`, `ghcr.io`…), if any. */
  registryHost?: string;
  repository: string;
  tag?: string;
  /** Only a well-formed `sha256:<64 hex>` (or sha512) digest; malformed ones are dropped (resolved later). */
  digest?: string;
  mediaType?: string;
  /** The sender's id for the event, when it has one (used in logs and the audit log). */
  eventId?: string;
  /** Who pushed, when the sender says (never a credential). */
  actor?: string;
}

/** The normalised push event intake enqueues. */
export interface PushEvent {
  source: AdapterId;
  /** Configured registry name (`registries[].name`). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  mediaType?: string;
  eventId?: string;
  actor?: string;
  receivedAt: string;
  /** Why this looks like one of pushgate's own writes; the worker checks it against the store. */
  ownWriteHint?: string;
  /**
   * The sender's `untaggedManifestsBelongToIndex`, carried on its untagged events (the only ones
   * it concerns): inspection leaves this manifest, if it is an image manifest, to the index's.
   */
  untaggedManifestsBelongToIndex?: true;
}

export interface AdapterResult {
  events: ParsedPushEvent[];
  /** Events in the payload that are not pushes of manifests (blob, pull, mount, delete…): answered 2xx, not queued. */
  ignored: number;
  /**
   * Push events in the payload that cannot be used (invalid repository or tag, neither tag nor
   * valid digest, wrong types). A body with invalid events and nothing else is a 400; otherwise
   * the valid events are accepted and these are only counted, since a sender that retries a
   * failing body (distribution: forever) would loop on a 400 for a mixed batch.
   */
  invalid: number;
  /** Why events were invalid, quoted and truncated, safe to log; at most the first few. */
  problems: string[];
}

export interface WebhookAdapter {
  id: AdapterId;
  /**
   * The sender notifies every manifest of a multi-platform push: the platform manifests by digest
   * alone, then the index under its tag. Judging a platform manifest on its own would act on a
   * piece of an image (deleting it breaks the index), so inspection leaves such untagged image
   * manifests to the index's inspection. Carried onto the sender's untagged events.
   */
  untaggedManifestsBelongToIndex?: true;
  /** Content types accepted (lower-case, no parameters); anything else is 415. */
  contentTypes: readonly string[];
  /**
   * Parses the raw body (auth was checked already). Throws `WebhookError('MALFORMED', …)` when the
   * body is not what this sender sends; returns `ignored` for well-formed events that are not pushes.
   */
  parse(body: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): AdapterResult;
}
