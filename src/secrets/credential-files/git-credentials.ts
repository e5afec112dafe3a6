import type { CredentialFileParser, CredentialHit } from './credential-parser.js';

/** `.git-credentials` (git credential-store): one `scheme://user:password@host` per line. */
export const gitCredentialsParser: CredentialFileParser = {
  id: 'git-credentials',
  rule: {
    id: 'git-credentials',
    title: 'Stored Git credential',
    severity: 'critical',
    description:
      'A `scheme://user:password@host` line of git credential-store (.git-credentials, ~/.config/git/credentials).',
  },
  matches: (path, base) => base === '.git-credentials' || path.endsWith('.config/git/credentials'),
  parse(text) {
    const hits: CredentialHit[] = [];
    text.split('\n').forEach((raw, i) => {
      const m = /^\s*([a-z][a-z0-9+.-]*):\/\/([^:@/\s]*):([^@\s]+)@([^/\s]+)/i.exec(raw);
      if (m)
        hits.push({ rule: 'git-credentials', key: `${m[1]}://${m[2]}@${m[4]}`, value: m[3], line: i + 1 });
    });
    return hits;
  },
};
