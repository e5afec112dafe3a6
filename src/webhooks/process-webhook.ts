import type { RegistryConfig, WebhookEndpointConfig } from '../config/types.js';
import { checkContentType } from './check-content-type.js';
import type { WebhookHeaders } from './header-value.js';
import { adapterById } from './index.js';
import { isOwnWrite, type OwnWriteConfig } from '../actions/own-writes.js';
import { resolveRegistry } from './resolve-registry.js';
import type { PushEvent } from './types.js';
import { verifyWebhookAuth } from './verify-auth.js';
import { WebhookError, isWebhookError } from './webhook-error.js';

export interface ProcessWebhookInput {
  endpoint: WebhookEndpointConfig;
  registries: readonly RegistryConfig[];
  rawBody: Buffer;
  headers: WebhookHeaders;
  /** The secret segment of `/hooks/<name>/<secret>`, when the URL had one. */
  pathSecret?: string;
  receivedAt: Date;
  own: OwnWriteConfig;
}

export interface ProcessWebhookResult {
  /** Events to enqueue. */
  events: PushEvent[];
  /** Well-formed events that are not manifest pushes (blob, pull, delete, ping…). */
  ignored: number;
  /**
   * Events that look like pushgate's own writes (its tag templates, referrer tags, quarantine
   * repositories). They stay in `events` with `ownWriteHint` set: a name alone proves nothing (anyone
   * may push a tag ending in `-verified`), so the worker skips them only when the digest was judged.
   */
  ownWrites: number;
  /** Push events that could not be used (see `problems`). */
  invalid: number;
  /** Push events naming a registry host that is not configured, in a body where others resolved. */
  unknownRegistry: number;
  /** Why events were invalid or unresolved: quoted, truncated, safe to log; the first few only. */
  problems: string[];
}

const MAX_PROBLEMS = 10;

/**
 * The whole of webhook intake short of the queue: auth (on the raw bytes) → content type → parse →
 * validate → resolve registry → carry the sender's quirks → mark likely own writes. Throws
 * `WebhookError`, whose `status` and `toBody()` are the answer. Pure and synchronous: nothing here
 * waits on I/O.
 *
 * Mixed bodies: a body is refused (400) only when it carries invalid events and nothing else; when
 * some events are usable they are accepted and the rest counted, because a sender that retries a
 * failing body (distribution: forever) would otherwise resend the good events with the bad ones
 * without end. Likewise 422 only when no event names a configured registry.
 */
export function processWebhook(input: ProcessWebhookInput): ProcessWebhookResult {
  const { endpoint } = input;
  verifyWebhookAuth(endpoint.auth, input.rawBody, input.headers, input.pathSecret);
  const adapter = adapterById(endpoint.adapter);
  if (adapter === undefined) {
    throw new WebhookError(
      'NOT_FOUND',
      `webhook endpoint "${endpoint.name}" has no adapter "${endpoint.adapter}"`,
    );
  }
  checkContentType(adapter, input.headers);
  const parsed = adapter.parse(input.rawBody, input.headers);
  const problems = [...parsed.problems];
  if (parsed.events.length === 0 && parsed.ignored === 0 && parsed.invalid > 0) {
    const more = parsed.invalid > 1 ? ` (and ${parsed.invalid - 1} more invalid)` : '';
    throw new WebhookError('MALFORMED', `${problems[0] ?? `${adapter.id}: no valid event`}${more}`);
  }

  const resolved: PushEvent[] = [];
  let unresolved: WebhookError | undefined;
  let unknownRegistry = 0;
  for (const event of parsed.events) {
    try {
      resolved.push(
        resolveRegistry(event, { endpoint, registries: input.registries, receivedAt: input.receivedAt }),
      );
    } catch (err) {
      if (!isWebhookError(err)) throw err;
      unresolved ??= err;
      unknownRegistry += 1;
      if (problems.length < MAX_PROBLEMS) problems.push(`${adapter.id}: ${err.message}`);
    }
  }
  if (resolved.length === 0 && unresolved !== undefined) throw unresolved;

  const events: PushEvent[] = [];
  let ownWrites = 0;
  for (const resolvedEvent of resolved) {
    const event =
      adapter.untaggedManifestsBelongToIndex && resolvedEvent.tag === undefined
        ? { ...resolvedEvent, untaggedManifestsBelongToIndex: true as const }
        : resolvedEvent;
    const hint = isOwnWrite(event, input.own);
    if (hint === undefined) events.push(event);
    else {
      ownWrites += 1;
      events.push({ ...event, ownWriteHint: hint });
    }
  }
  return { events, ignored: parsed.ignored, ownWrites, invalid: parsed.invalid, unknownRegistry, problems };
}
