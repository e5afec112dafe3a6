import { isRecord } from '../is-record.js';
import { AdapterResultBuilder } from './adapter-result-builder.js';
import { field } from './field.js';
import { hostHint } from './host-hint.js';
import { parseJsonBody } from './parse-json-body.js';
import { describeType } from '../quote.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * JFrog Artifactory webhooks, domain `docker`, event `pushed` ("a new tag of a Docker image is
 * pushed"); every other domain and event type is ignored. `data.sha256` is the checksum of the
 * tag's manifest.json (the manifest digest) as bare hex. The host comes from `jpd_origin`, which
 * Artifactory fills only when a Custom Base URL is set: otherwise bind the endpoint to a registry.
 */
export const jfrogAdapter: WebhookAdapter = {
  id: 'jfrog',
  contentTypes: ['application/json'],
  parse(body) {
    const root = parseJsonBody(body, 'jfrog');
    const domain = field(root, 'domain');
    const eventType = field(root, 'event_type');
    if (!isRecord(root) || typeof domain !== 'string' || typeof eventType !== 'string') {
      throw new WebhookError('MALFORMED', 'jfrog: expected { "domain", "event_type", "data" }');
    }
    const result = new AdapterResultBuilder('jfrog');
    if (domain !== 'docker' || eventType !== 'pushed') {
      result.ignore();
      return result.result();
    }
    const data = field(root, 'data');
    if (!isRecord(data)) {
      result.invalid('data', `is ${describeType(data)}`);
      return result.result();
    }
    const sha256 = field(data, 'sha256');
    result.candidate('data', {
      registryHost: hostHint(field(root, 'jpd_origin'), 'url'),
      repository: field(data, 'image_name'),
      tag: field(data, 'tag'),
      digest:
        typeof sha256 === 'string' && HEX_SHA256.test(sha256) ? `sha256:${sha256.toLowerCase()}` : sha256,
    });
    return result.result();
  },
};
