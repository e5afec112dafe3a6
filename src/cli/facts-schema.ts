import { buildFactsSchema } from '../facts/build-facts-schema.js';
import { EXTRACTORS } from '../facts/extractors/index.js';

/** `pushgate facts schema`: the JSON Schema of the facts document, for policy authors' editors. */
export function renderFactsSchema(): string {
  return `${JSON.stringify(buildFactsSchema(EXTRACTORS), null, 2)}\n`;
}
