import { isRecord } from '../is-record.js';
import { AdapterResultBuilder } from './adapter-result-builder.js';
import { field } from './field.js';
import { hostHint } from './host-hint.js';
import { parseJsonBody } from './parse-json-body.js';
import { describeType } from '../quote.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

/** Tags cannot contain a colon, so a "tag" that has one is a digest (`algorithm:hex`). */
const DIGEST_LIKE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:/;

/**
 * Harbor webhooks, default format (`{ type: "PUSH_ARTIFACT", event_data }`) and CloudEvents
 * (`{ specversion, type: "harbor.artifact.pushed", data }`). Only artifact pushes count.
 * `resources[].tag` holds the digest when the artifact was pushed without a tag (robot, jobservice
 * and proxy-cache pushes: goharbor/harbor#20939, #19982); it is then read as the digest.
 */
export const harborAdapter: WebhookAdapter = {
  id: 'harbor',
  contentTypes: ['application/json', 'application/cloudevents+json'],
  parse(body) {
    const root = parseJsonBody(body, 'harbor');
    if (!isRecord(root)) {
      throw new WebhookError('MALFORMED', `harbor: expected a JSON object, got ${describeType(root)}`);
    }
    const cloudEvent = Object.hasOwn(root, 'specversion');
    const type = field(root, 'type');
    const data = field(root, cloudEvent ? 'data' : 'event_data');
    if (typeof type !== 'string' || (!cloudEvent && !Object.hasOwn(root, 'event_data'))) {
      throw new WebhookError(
        'MALFORMED',
        'harbor: expected { "type", "event_data" } (default format) or a CloudEvent { "specversion", "type", "data" }',
      );
    }
    const result = new AdapterResultBuilder('harbor');
    if (type !== (cloudEvent ? 'harbor.artifact.pushed' : 'PUSH_ARTIFACT')) {
      result.ignore();
      return result.result();
    }
    const eventId = cloudEvent ? field(root, 'id') : undefined;
    const actor = field(root, 'operator');
    const resources = field(data, 'resources');
    if (!Array.isArray(resources) || resources.length === 0) {
      result.invalid('resources', `is ${Array.isArray(resources) ? 'empty' : describeType(resources)}`);
      return result.result();
    }
    result.checkBatchSize(resources.length, 'resources');
    const repository = repositoryName(field(data, 'repository'));
    resources.forEach((resource: unknown, index) => {
      const where = `resources[${index}]`;
      if (!isRecord(resource)) return result.invalid(where, `is ${describeType(resource)}, not an object`);
      let tag = field(resource, 'tag');
      let digest = field(resource, 'digest');
      if (typeof tag === 'string' && DIGEST_LIKE.test(tag)) {
        if (typeof digest !== 'string' || digest === '') digest = tag;
        tag = undefined;
      }
      result.candidate(where, {
        registryHost: hostHint(field(resource, 'resource_url'), 'reference'),
        repository,
        tag,
        digest,
        eventId,
        actor,
      });
    });
    return result.result();
  },
};

function repositoryName(repository: unknown): unknown {
  const fullName = field(repository, 'repo_full_name');
  if (fullName !== undefined) return fullName;
  const namespace = field(repository, 'namespace');
  const name = field(repository, 'name');
  return typeof namespace === 'string' && typeof name === 'string' ? `${namespace}/${name}` : undefined;
}
