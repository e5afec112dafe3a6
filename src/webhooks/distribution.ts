import { isRecord } from '../is-record.js';
import { AdapterResultBuilder } from './adapter-result-builder.js';
import { normaliseMediaType } from './build-push-event.js';
import { field } from './field.js';
import { hostHint } from './host-hint.js';
import { parseJsonBody } from './parse-json-body.js';
import { describeType } from '../quote.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

/**
 * Manifest media types a registry accepts on a manifest PUT. A push event with any other media type
 * is a blob upload (`application/octet-stream` in distribution, or a layer/config type elsewhere).
 */
const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

/** Whether a `push` event's target is a manifest (the only push that names an image). */
function isManifestTarget(target: Record<string, unknown>): boolean {
  const mediaType = normaliseMediaType(field(target, 'mediaType'));
  if (mediaType !== undefined) return MANIFEST_MEDIA_TYPES.has(mediaType);
  // No media type at all: fall back to the target URL distribution builds (…/manifests/… vs …/blobs/…).
  const url = field(target, 'url');
  return typeof url === 'string' && /\/v2\/.+\/manifests\/[^/]+$/.test(url);
}

/**
 * CNCF Distribution notifications (also GitLab's bundled registry, a distribution fork):
 * `{ events: [...] }`, v1 envelope from 2.x, v2 from 3.x, possibly batched. Only
 * manifest pushes count; blob pushes, pulls, mounts and deletes are ignored (answered 2xx: the
 * registry retries a failing delivery forever).
 */
export const distributionAdapter: WebhookAdapter = {
  id: 'distribution',
  // A multi-platform push notifies each platform manifest by digest, then the index by tag.
  untaggedManifestsBelongToIndex: true,
  contentTypes: [
    'application/vnd.docker.distribution.events.v1+json',
    'application/vnd.docker.distribution.events.v2+json',
    'application/json',
  ],
  parse(body) {
    const root = parseJsonBody(body, 'distribution');
    const events = field(root, 'events');
    if (!Array.isArray(events)) {
      throw new WebhookError(
        'MALFORMED',
        `distribution: expected an envelope { "events": [...] }, got ${isRecord(root) ? `"events" ${describeType(events)}` : describeType(root)}`,
      );
    }
    const result = new AdapterResultBuilder('distribution');
    result.checkBatchSize(events.length, 'events');
    events.forEach((event: unknown, index) => {
      const where = `events[${index}]`;
      if (!isRecord(event)) return result.invalid(where, `is ${describeType(event)}, not an object`);
      const action = field(event, 'action');
      if (typeof action !== 'string') return result.invalid(where, `action is ${describeType(action)}`);
      if (action !== 'push') return result.ignore();
      const target = field(event, 'target');
      if (!isRecord(target)) return result.invalid(where, `target is ${describeType(target)}`);
      if (!isManifestTarget(target)) return result.ignore();
      result.candidate(where, {
        registryHost: hostHint(field(event, 'request', 'host'), 'host'),
        repository: field(target, 'repository'),
        tag: field(target, 'tag'),
        digest: field(target, 'digest'),
        mediaType: field(target, 'mediaType'),
        eventId: field(event, 'id'),
        actor: field(event, 'actor', 'name'),
      });
    });
    return result.result();
  },
};
