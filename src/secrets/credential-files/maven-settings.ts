import type { CredentialFileParser, CredentialHit } from './credential-parser.js';
import { lineOf } from './line-of.js';

const ELEMENT = /<(password|passphrase|master)>\s*([^<]*?)\s*<\/\1>/g;

/**
 * Maven `settings.xml` server `<password>`/`<passphrase>` and `settings-security.xml` `<master>`.
 * Encrypted values (`{…}`) and property references (`${env.X}`) are fine.
 */
export const mavenSettingsParser: CredentialFileParser = {
  id: 'maven-settings',
  rule: {
    id: 'maven-settings-password',
    title: 'Password in Maven settings.xml',
    severity: 'high',
    description:
      'Plain-text `<password>`/`<passphrase>` in settings.xml and `<master>` in settings-security.xml; `{…}` (encrypted) and `${…}` are fine.',
  },
  matches: (_path, base) => base === 'settings.xml' || base === 'settings-security.xml',
  parse(text) {
    const hits: CredentialHit[] = [];
    ELEMENT.lastIndex = 0;
    for (let m = ELEMENT.exec(text); m !== null; m = ELEMENT.exec(text)) {
      const value = m[2];
      if (value.startsWith('{') || value.includes('${')) continue;
      hits.push({ rule: 'maven-settings-password', key: m[1], value, line: lineOf(text, m.index) });
    }
    return hits;
  },
};
