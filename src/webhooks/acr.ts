import { isRecord } from '../is-record.js';
import { AdapterResultBuilder } from './adapter-result-builder.js';
import { field } from './field.js';
import { hostHint } from './host-hint.js';
import { parseJsonBody } from './parse-json-body.js';
import { describeType } from '../quote.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

const PUSH_ACTIONS = new Set(['push', 'chart_push']);

/**
 * Azure Container Registry webhooks: one event object, no envelope, distribution-like `target` and
 * `request`. `push` and `chart_push` count; `ping`, `delete`, `quarantine`, `chart_delete` are
 * ignored. ACR signs nothing: authenticate with a custom header configured on the webhook.
 */
export const acrAdapter: WebhookAdapter = {
  id: 'acr',
  // A multi-platform push notifies each platform manifest by digest, then the index by tag.
  untaggedManifestsBelongToIndex: true,
  contentTypes: ['application/json'],
  parse(body) {
    const root = parseJsonBody(body, 'acr');
    const action = field(root, 'action');
    if (!isRecord(root) || typeof action !== 'string') {
      throw new WebhookError(
        'MALFORMED',
        `acr: expected an event object with an "action", got ${isRecord(root) ? `"action" ${describeType(action)}` : describeType(root)}`,
      );
    }
    const result = new AdapterResultBuilder('acr');
    if (!PUSH_ACTIONS.has(action)) {
      result.ignore();
      return result.result();
    }
    const target = field(root, 'target');
    if (!isRecord(target)) {
      result.invalid('target', `is ${describeType(target)}`);
      return result.result();
    }
    result.candidate('target', {
      registryHost: hostHint(field(root, 'request', 'host'), 'host'),
      repository: field(target, 'repository'),
      tag: field(target, 'tag'),
      digest: field(target, 'digest'),
      mediaType: field(target, 'mediaType'),
      eventId: field(root, 'id'),
      actor: field(root, 'actor', 'name'),
    });
    return result.result();
  },
};
