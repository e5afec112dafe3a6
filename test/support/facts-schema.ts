import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ImageFacts } from '../../src/facts/image-facts.js';

const schema = JSON.parse(
  readFileSync(new URL('../../src/facts/facts.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** Throws with every schema violation when `facts` does not follow facts.schema.json. */
export function expectValidFacts(facts: unknown): asserts facts is ImageFacts {
  if (!validate(facts)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('\n');
    throw new Error(`facts document does not follow facts.schema.json:\n${problems}`);
  }
}
