import { isRecord } from '../is-record.js';
import { isDigest } from '../oci/digest.js';
import { AdapterResultBuilder } from './adapter-result-builder.js';
import { field } from './field.js';
import { headerValue } from './header-value.js';
import { parseJsonBody } from './parse-json-body.js';
import { describeType, quote } from '../quote.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

const GHCR = 'ghcr.io';
const PACKAGE_EVENTS = new Set(['package', 'registry_package']);
const PUSH_ACTIONS = new Set(['published', 'updated']);
const CONTAINER_TYPES = new Set(['container', 'docker']);

/**
 * GitHub `package` webhooks (and the legacy `registry_package`) for GHCR container packages, signed
 * with `X-Hub-Signature-256`. Deliveries of other events on the same hook (`ping`, `push`…) and
 * packages of other ecosystems are ignored. GitHub webhooks must be set to `application/json`.
 */
export const ghcrAdapter: WebhookAdapter = {
  id: 'ghcr',
  contentTypes: ['application/json'],
  parse(body, headers) {
    const root = parseJsonBody(body, 'ghcr');
    if (!isRecord(root)) {
      throw new WebhookError('MALFORMED', `ghcr: expected a JSON object, got ${describeType(root)}`);
    }
    const result = new AdapterResultBuilder('ghcr');
    const eventName = headerValue(headers, 'x-github-event') ?? inferEventName(root);
    if (eventName === undefined) {
      throw new WebhookError(
        'MALFORMED',
        'ghcr: no X-GitHub-Event header and the body is not a package event',
      );
    }
    if (!PACKAGE_EVENTS.has(eventName)) {
      result.ignore();
      return result.result();
    }
    const pkg = field(root, eventName);
    if (!isRecord(pkg)) {
      throw new WebhookError(
        'MALFORMED',
        `ghcr: a ${quote(eventName)} event without a "${eventName}" object`,
      );
    }
    const action = field(root, 'action');
    if (typeof action !== 'string' || !PUSH_ACTIONS.has(action) || !isContainerPackage(pkg)) {
      result.ignore();
      return result.result();
    }
    const version = field(pkg, 'package_version');
    const namespace = field(pkg, 'namespace');
    const name = field(pkg, 'name');
    // GHCR paths are lower-case; GitHub reports owner and package names as written.
    const repository =
      typeof namespace === 'string' && typeof name === 'string'
        ? `${namespace}/${name}`.toLowerCase()
        : undefined;
    result.candidate(eventName, {
      registryHost: GHCR,
      repository,
      tag: field(version, 'container_metadata', 'tag', 'name'),
      digest: manifestDigest(version),
      mediaType: field(version, 'container_metadata', 'manifest', 'media_type'),
      eventId: headerValue(headers, 'x-github-delivery'),
      actor: field(root, 'sender', 'login'),
    });
    return result.result();
  },
};

function inferEventName(root: Record<string, unknown>): string | undefined {
  if (Object.hasOwn(root, 'zen') && Object.hasOwn(root, 'hook_id')) return 'ping';
  if (isRecord(field(root, 'package'))) return 'package';
  if (isRecord(field(root, 'registry_package'))) return 'registry_package';
  return undefined;
}

function isContainerPackage(pkg: Record<string, unknown>): boolean {
  return ['package_type', 'ecosystem'].some((key) => {
    const value = field(pkg, key);
    return typeof value === 'string' && CONTAINER_TYPES.has(value.toLowerCase());
  });
}

/**
 * The manifest digest. For container packages the version's name is the manifest digest too, so it
 * stands in when `container_metadata.manifest.digest` is malformed (GitHub's own sample payload
 * carries a 40-hex one).
 */
function manifestDigest(version: unknown): unknown {
  const fromManifest = field(version, 'container_metadata', 'manifest', 'digest');
  if (typeof fromManifest === 'string' && isDigest(fromManifest)) return fromManifest;
  for (const key of ['name', 'version']) {
    const value = field(version, key);
    if (typeof value === 'string' && isDigest(value)) return value;
  }
  return fromManifest;
}
