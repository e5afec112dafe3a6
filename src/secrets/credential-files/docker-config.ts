import type { CredentialFileParser, CredentialHit } from './credential-parser.js';
import { lineOf } from './line-of.js';
import { isRecord } from '../../is-record.js';

const SECRET_FIELDS = ['auth', 'identitytoken', 'registrytoken', 'password'];

/** An `auth` field holds base64 `user:password`; only a non-empty password is a credential. */
function authHasPassword(auth: string): boolean {
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1;
}

/**
 * Docker `config.json` (`~/.docker/config.json`, `/kaniko/.docker/config.json`, any `config.json`
 * with an `auths` object) and the legacy `.dockercfg`: `auths.<registry>.auth` (decoded, flagged
 * when it holds a password), `identitytoken`, `registrytoken`. `credsStore`/`credHelpers` keep
 * credentials outside the file and are fine.
 */
export const dockerConfigParser: CredentialFileParser = {
  id: 'docker-config',
  rule: {
    id: 'docker-config-auth',
    title: 'Registry credential in Docker config.json',
    severity: 'critical',
    description:
      'Docker config.json / .dockercfg: `auths.<registry>.auth` holding user:password (base64), `identitytoken`, `registrytoken`. `credsStore` and `credHelpers` are fine.',
  },
  matches: (_path, base) => base === 'config.json' || base === '.dockercfg',
  parse(text) {
    if (!text.includes('"auth') && !text.includes('token')) return [];
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return [];
    }
    if (!isRecord(doc)) return [];
    // config.json nests registries under `auths`; the legacy .dockercfg is the map itself.
    const registries = isRecord(doc.auths) ? doc.auths : 'auths' in doc ? {} : doc;
    const prefix = isRecord(doc.auths) ? 'auths.' : '';
    const hits: CredentialHit[] = [];
    for (const [registry, entry] of Object.entries(registries)) {
      if (!isRecord(entry)) continue;
      for (const field of SECRET_FIELDS) {
        const value = entry[field];
        if (typeof value !== 'string' || value === '') continue;
        if (field === 'auth' && !authHasPassword(value)) continue;
        hits.push({
          rule: 'docker-config-auth',
          key: `${prefix}${registry}.${field}`,
          value,
          line: lineOf(text, text.indexOf(value)),
        });
      }
    }
    return hits;
  },
};
