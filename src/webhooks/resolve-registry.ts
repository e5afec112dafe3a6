import type { RegistryConfig, WebhookEndpointConfig } from '../config/types.js';
import { findRegistryByHost } from '../config/registry-hosts.js';
import { quote } from '../quote.js';
import type { ParsedPushEvent, PushEvent } from './types.js';
import { WebhookError } from './webhook-error.js';

export interface ResolveRegistryContext {
  endpoint: WebhookEndpointConfig;
  registries: readonly RegistryConfig[];
  receivedAt: Date;
}

/**
 * Turns a parsed event into the event intake enqueues, naming a configured registry. The SSRF
 * guard: when the endpoint is bound to a registry every event belongs to it and the payload's host
 * is ignored; otherwise the payload's host must be a configured registry's `host` or one of its
 * `aliases`, else `WebhookError('REGISTRY_NOT_CONFIGURED')` (422). Hosts come only from config.
 */
export function resolveRegistry(event: ParsedPushEvent, context: ResolveRegistryContext): PushEvent {
  const { endpoint, registries } = context;
  let registry: RegistryConfig | undefined;
  if (endpoint.registry !== undefined) {
    registry = registries.find((r) => r.name === endpoint.registry);
    if (registry === undefined) {
      throw new WebhookError(
        'REGISTRY_NOT_CONFIGURED',
        `webhook endpoint "${endpoint.name}" is bound to registry "${endpoint.registry}", which is not configured`,
      );
    }
  } else {
    if (event.registryHost === undefined) {
      throw new WebhookError(
        'REGISTRY_NOT_CONFIGURED',
        `the event names no registry host and webhook endpoint "${endpoint.name}" is not bound to a registry`,
      );
    }
    registry = findRegistryByHost(registries, event.registryHost);
    if (registry === undefined) {
      throw new WebhookError(
        'REGISTRY_NOT_CONFIGURED',
        `registry host ${quote(event.registryHost)} is not configured (add it to a registry's host or aliases, or bind webhook endpoint "${endpoint.name}" to a registry)`,
      );
    }
  }
  const resolved: PushEvent = {
    source: endpoint.adapter,
    registry: registry.name,
    repository: event.repository,
    receivedAt: context.receivedAt.toISOString(),
  };
  if (event.tag !== undefined) resolved.tag = event.tag;
  if (event.digest !== undefined) resolved.digest = event.digest;
  if (event.mediaType !== undefined) resolved.mediaType = event.mediaType;
  if (event.eventId !== undefined) resolved.eventId = event.eventId;
  if (event.actor !== undefined) resolved.actor = event.actor;
  return resolved;
}
