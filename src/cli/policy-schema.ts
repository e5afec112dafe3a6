import { buildFactsSchema } from '../facts/build-facts-schema.js';
import { EXTRACTORS } from '../facts/extractors/index.js';
import { buildRuleSchemaMeta } from '../policy/build-rule-schema-meta.js';
import { POLICY_SCHEMA } from '../policy/load-policies.js';

/** The JSON Schema of ImagePolicy documents, for editors (`yaml-language-server: $schema=…`). */
export function renderPolicySchema(): string {
  return `${JSON.stringify(POLICY_SCHEMA, null, 2)}\n`;
}

/**
 * `pushgate policy rule-schema`: what a rule schema may name at each place of the facts document,
 * generated from the facts schema; policy.schema.json points each rule's `schema` at it.
 */
export function renderRuleSchemaMeta(): string {
  return `${JSON.stringify(buildRuleSchemaMeta(buildFactsSchema(EXTRACTORS)), null, 2)}\n`;
}
