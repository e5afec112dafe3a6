import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Strict on what is likely a typo (unknown keywords, bad formats and regexes) but not on
 * `strictTypes`/`strictRequired`: they would demand `type: object` beside every `properties` and a
 * `properties` entry for every `required` name, which policy authors writing small schemas over a
 * known document (`required: [healthcheck]`) would find pedantic.
 */
export const POLICY_AJV_OPTIONS = {
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
} as const;

/** The ajv instance rule schemas are compiled with (draft 2020-12, formats). */
export function createPolicyAjv(): Ajv2020 {
  const ajv = new Ajv2020({ ...POLICY_AJV_OPTIONS });
  addFormats.default(ajv);
  return ajv;
}
