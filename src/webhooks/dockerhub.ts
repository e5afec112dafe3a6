import { isRecord } from '../is-record.js';
import { DOCKER_HUB } from '../oci/reference.js';
import { AdapterResultBuilder } from './adapter-result-builder.js';
import { field } from './field.js';
import { parseJsonBody } from './parse-json-body.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

/**
 * Docker Hub repository webhooks: push only, no event type, no digest (the worker resolves the tag),
 * no signature (use a secret path segment). The registry is always docker.io.
 */
export const dockerhubAdapter: WebhookAdapter = {
  id: 'dockerhub',
  contentTypes: ['application/json'],
  parse(body) {
    const root = parseJsonBody(body, 'dockerhub');
    const pushData = field(root, 'push_data');
    const repository = field(root, 'repository');
    if (!isRecord(pushData) || !isRecord(repository)) {
      throw new WebhookError('MALFORMED', 'dockerhub: expected { "push_data": {...}, "repository": {...} }');
    }
    const result = new AdapterResultBuilder('dockerhub');
    let name = field(repository, 'repo_name');
    // Official images are named without their implicit library/ namespace.
    if (typeof name === 'string' && name !== '' && !name.includes('/')) name = `library/${name}`;
    result.candidate('push_data', {
      registryHost: DOCKER_HUB,
      repository: name,
      tag: field(pushData, 'tag'),
      actor: field(pushData, 'pusher'),
    });
    return result.result();
  },
};
