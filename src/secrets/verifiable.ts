import { SECRET_RULES } from './rules.js';
import { scanText, TEXT_RULES } from './scan-text.js';

const VERIFIABLE_RULE_IDS = new Set(SECRET_RULES.filter((rule) => rule.verifiable === true).map((r) => r.id));
const VERIFIABLE_TEXT_RULES = TEXT_RULES.filter((rule) => rule.verifiable === true);

/**
 * Credential files that only ever hold live cloud credentials: every value their parser finds can
 * be checked with the issuer (an AWS secret access key, a gcloud refresh token or key).
 */
const LIVE_CREDENTIAL_FILES = new Set(['aws-credentials-file', 'gcloud-application-default-credentials']);

function hasVerifiableToken(text: string): boolean {
  return scanText(Buffer.from(text, 'utf8'), VERIFIABLE_TEXT_RULES).length > 0;
}

/** A docker `auth` is base64 of `user:password`; the password may be a live token (`dckr_pat_…`, `ghp_…`). */
function dockerAuthPassword(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/=]+$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Whether a found value is a live format its issuer can check, so it fails whatever the origin
 * of the file: a rule marked `verifiable`; every value of the AWS and gcloud credential files; or
 * another credential-file value (`.npmrc`'s `_authToken`, a docker `auth`'s password) that holds
 * a verifiable token on its own or with its key (`aws_secret_access_key=…` needs the name).
 */
export function isVerifiable(ruleId: string, value: string, key?: string): boolean {
  if (VERIFIABLE_RULE_IDS.has(ruleId)) return true;
  if (SECRET_RULES.some((rule) => rule.id === ruleId)) return false;
  if (LIVE_CREDENTIAL_FILES.has(ruleId)) return true;
  if (hasVerifiableToken(value)) return true;
  if (key !== undefined && hasVerifiableToken(`${key}=${value}`)) return true;
  const password = ruleId === 'docker-config-auth' ? dockerAuthPassword(value) : undefined;
  return password !== undefined && hasVerifiableToken(password);
}
