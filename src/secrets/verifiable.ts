import { SECRET_RULES } from './rules.js';
import { scanText, TEXT_RULES } from './scan-text.js';

const VERIFIABLE_RULE_IDS = new Set(SECRET_RULES.filter((rule) => rule.verifiable === true).map((r) => r.id));
const VERIFIABLE_TEXT_RULES = TEXT_RULES.filter((rule) => rule.verifiable === true);

/**
 * Whether a found value is a live format its issuer can check, so it fails whatever the origin
 * of the file: a rule marked `verifiable`, or a credential-file value (`.npmrc`'s `_authToken`,
 * a docker `auth`) that on its own matches one of those rules.
 */
export function isVerifiable(ruleId: string, value: string): boolean {
  if (VERIFIABLE_RULE_IDS.has(ruleId)) return true;
  if (SECRET_RULES.some((rule) => rule.id === ruleId)) return false;
  return scanText(Buffer.from(value, 'utf8'), VERIFIABLE_TEXT_RULES).length > 0;
}
