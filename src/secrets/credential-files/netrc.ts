import type { CredentialFileParser, CredentialHit } from './credential-parser.js';

/** `.netrc` / `_netrc`: `machine H login U password P` (tokens may span lines). */
export const netrcParser: CredentialFileParser = {
  id: 'netrc',
  rule: {
    id: 'netrc-password',
    title: 'Password in .netrc',
    severity: 'high',
    description: 'A `password` token for a `machine` (or `default`) in .netrc/_netrc.',
  },
  matches: (_path, base) => base === '.netrc' || base === '_netrc',
  parse(text) {
    const hits: CredentialHit[] = [];
    const token = /\S+/g;
    let machine = 'default';
    let line = 1;
    let last = 0;
    let expect: 'machine' | 'password' | undefined;
    for (let m = token.exec(text); m !== null; m = token.exec(text)) {
      for (let i = text.indexOf('\n', last); i >= 0 && i < m.index; i = text.indexOf('\n', i + 1)) line++;
      last = m.index;
      const word = m[0];
      if (expect === 'machine') {
        machine = word;
        expect = undefined;
      } else if (expect === 'password') {
        hits.push({ rule: 'netrc-password', key: `machine ${machine} password`, value: word, line });
        expect = undefined;
      } else if (word === 'machine') expect = 'machine';
      else if (word === 'default') machine = 'default';
      else if (word === 'password') expect = 'password';
    }
    return hits;
  },
};
