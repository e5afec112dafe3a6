import { AdapterResultBuilder } from './adapter-result-builder.js';
import { field } from './field.js';
import { hostHint } from './host-hint.js';
import { parseJsonBody } from './parse-json-body.js';
import { describeType } from '../quote.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

/**
 * Quay `repo_push` notifications: one event per entry of `updated_tags` (Quay fires per tagged
 * manifest PUT, never for pushes by digest); no digest, no signature (use a secret path segment).
 * Other Quay notifications on the same URL (builds, vulnerabilities) have no `updated_tags` and
 * are ignored.
 */
export const quayAdapter: WebhookAdapter = {
  id: 'quay',
  contentTypes: ['application/json'],
  parse(body) {
    const root = parseJsonBody(body, 'quay');
    const repository = field(root, 'repository');
    if (typeof repository !== 'string') {
      throw new WebhookError(
        'MALFORMED',
        `quay: expected a notification with "repository", got ${describeType(repository)}`,
      );
    }
    const result = new AdapterResultBuilder('quay');
    const tags = field(root, 'updated_tags');
    if (tags === undefined) {
      result.ignore();
      return result.result();
    }
    if (!Array.isArray(tags)) {
      result.invalid('updated_tags', `is ${describeType(tags)}, not an array`);
      return result.result();
    }
    if (tags.length === 0) {
      result.ignore();
      return result.result();
    }
    result.checkBatchSize(tags.length, 'updated_tags');
    const registryHost = hostHint(field(root, 'docker_url'), 'reference');
    tags.forEach((tag: unknown, index) => {
      result.candidate(`updated_tags[${index}]`, { registryHost, repository, tag });
    });
    return result.result();
  },
};
