import { isRecord } from '../is-record.js';
import { AdapterResultBuilder } from './adapter-result-builder.js';
import { field } from './field.js';
import { hostHint } from './host-hint.js';
import { parseJsonBody } from './parse-json-body.js';
import { describeType } from '../quote.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

/**
 * pushgate's own format for senders without a native one (CI jobs, scripts):
 * `{ "registry": "registry.example.com", "repository": "team/app", "tag": "1.2", "digest": "sha256:…" }`
 * or an array of them; at least one of tag and digest. `registry` may be left out when the
 * endpoint is bound to a registry; optional `mediaType` and `eventId` are passed along.
 */
export const genericAdapter: WebhookAdapter = {
  id: 'generic',
  contentTypes: ['application/json'],
  parse(body) {
    const root = parseJsonBody(body, 'generic');
    if (!Array.isArray(root) && !isRecord(root)) {
      throw new WebhookError(
        'MALFORMED',
        `generic: expected an event object or an array of them, got ${describeType(root)}`,
      );
    }
    const items: unknown[] = Array.isArray(root) ? root : [root];
    if (items.length === 0) throw new WebhookError('MALFORMED', 'generic: the array of events is empty');
    const result = new AdapterResultBuilder('generic');
    result.checkBatchSize(items.length, 'the array');
    items.forEach((item, index) => {
      const where = Array.isArray(root) ? `[${index}]` : 'event';
      if (!isRecord(item)) return result.invalid(where, `is ${describeType(item)}, not an object`);
      const registry = field(item, 'registry');
      if (registry !== undefined && typeof registry !== 'string') {
        return result.invalid(where, `registry is ${describeType(registry)}`);
      }
      const registryHost = hostHint(registry, 'host');
      if (registry !== undefined && registryHost === undefined) {
        return result.invalid(where, 'registry is not a host name (host[:port])');
      }
      result.candidate(where, {
        registryHost,
        repository: field(item, 'repository'),
        tag: field(item, 'tag'),
        digest: field(item, 'digest'),
        mediaType: field(item, 'mediaType'),
        eventId: field(item, 'eventId'),
      });
    });
    return result.result();
  },
};
