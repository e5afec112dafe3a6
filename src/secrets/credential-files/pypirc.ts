import type { CredentialFileParser, CredentialHit } from './credential-parser.js';
import { unquote } from './unquote.js';

/** `.pypirc`: `password =` in any index section (upload tokens or passwords). */
export const pypircParser: CredentialFileParser = {
  id: 'pypirc',
  rule: {
    id: 'pypirc-password',
    title: 'Package index password in .pypirc',
    severity: 'critical',
    description: 'A `password` (PyPI upload token or index password) in any section of .pypirc.',
  },
  matches: (_path, base) => base === '.pypirc',
  parse(text) {
    const hits: CredentialHit[] = [];
    let section = '';
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      const header = /^\[([^\]]+)\]$/.exec(line);
      if (header) section = header[1];
      const m = /^password\s*[=:]\s*(.*)$/i.exec(line);
      if (m)
        hits.push({ rule: 'pypirc-password', key: `${section}.password`, value: unquote(m[1]), line: i + 1 });
    });
    return hits;
  },
};
