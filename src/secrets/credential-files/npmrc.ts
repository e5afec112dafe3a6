import type { CredentialFileParser, CredentialHit } from './credential-parser.js';
import { unquote } from './unquote.js';

const NAMES = new Set(['.npmrc', 'npmrc', '.yarnrc', '.yarnrc.yml']);
/** `_authToken`, `_auth`, `_password` (npm, also scoped `//host/:_authToken`); yarn berry's `npmAuthToken`, `npmAuthIdent`, `npmPassword`. */
const KEY =
  /^(?<key>(?:[^=:\s]*:)?(?:_authToken|_auth|_password)|\s*"?(?:npmAuthToken|npmAuthIdent|npmPassword)"?)\s*[=:]\s*(?<value>.*)$/;

/** `.npmrc` (and `npmrc`, `.yarnrc`, `.yarnrc.yml`): registry credentials, quoted or not. */
export const npmrcParser: CredentialFileParser = {
  id: 'npmrc',
  rule: {
    id: 'npmrc-credential',
    title: 'npm registry credential in .npmrc',
    severity: 'critical',
    description:
      '`_authToken`, `_auth` or `_password` (also scoped `//host/:_authToken=`) in .npmrc/npmrc/.yarnrc, quoted or not; `npmAuthToken`/`npmAuthIdent` in .yarnrc.yml. `${VAR}` references are fine.',
  },
  matches: (_path, base) => NAMES.has(base),
  parse(text) {
    const hits: CredentialHit[] = [];
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line.startsWith('#') || line.startsWith(';')) return;
      const m = KEY.exec(line);
      if (!m?.groups) return;
      hits.push({
        rule: 'npmrc-credential',
        key: m.groups.key.trim().replace(/"/g, ''),
        value: unquote(m.groups.value),
        line: i + 1,
      });
    });
    return hits;
  },
};
