import type { CredentialFileParser, CredentialHit } from './credential-parser.js';
import { lineOf } from './line-of.js';

const SECRET_FIELDS = ['refresh_token', 'private_key', 'client_secret'];

/**
 * gcloud application-default credentials (`application_default_credentials.json`, `adc.json`):
 * the `refresh_token` of an authorized user, the `private_key` of a service account. gcloud's own
 * OAuth client secret is public and on the allow list.
 */
export const gcloudCredentialsParser: CredentialFileParser = {
  id: 'gcloud-credentials',
  rule: {
    id: 'gcloud-application-default-credentials',
    title: 'gcloud application-default credentials',
    severity: 'critical',
    description:
      '`refresh_token`, `private_key` or `client_secret` in application_default_credentials.json or gcloud legacy adc.json.',
  },
  matches: (path, base) =>
    base === 'application_default_credentials.json' || (base === 'adc.json' && path.includes('gcloud/')),
  parse(text) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return [];
    }
    if (typeof doc !== 'object' || doc === null) return [];
    const hits: CredentialHit[] = [];
    for (const field of SECRET_FIELDS) {
      const value = (doc as Record<string, unknown>)[field];
      if (typeof value !== 'string' || value === '') continue;
      const compact = field === 'private_key' ? value.replace(/-----[A-Z ]+-----|\s+/g, '') : value;
      const at = text.indexOf(`"${field}"`);
      hits.push({
        rule: 'gcloud-application-default-credentials',
        key: field,
        value: compact,
        line: lineOf(text, at),
      });
    }
    return hits;
  },
};
