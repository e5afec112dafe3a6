import { POLICY_SCHEMA } from '../policy/load-policies.js';

/** The JSON Schema of ImagePolicy documents, for editors (`yaml-language-server: $schema=…`). */
export function renderPolicySchema(): string {
  return `${JSON.stringify(POLICY_SCHEMA, null, 2)}\n`;
}
