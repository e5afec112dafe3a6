import type { CredentialFileParser, CredentialHit } from './credential-parser.js';

const URL_WITH_PASSWORD = /([a-z][a-z0-9+.-]*):\/\/([^:@/\s"]*):([^@\s"/]+)@([^/\s"]+)/i;
const EXTRA_HEADER = /extraheader\s*=\s*"?authorization:\s*(?:basic|bearer|token)\s+([^\s"]+)/i;

/**
 * `.git/config`, `.gitconfig`, `etc/gitconfig`: remote and `insteadOf` URLs with a password in
 * their user info, and `http.extraheader = AUTHORIZATION: basic …` (what actions/checkout leaves
 * in `.git/config` when credentials are persisted).
 */
export const gitConfigParser: CredentialFileParser = {
  id: 'git-config',
  rule: {
    id: 'git-config-credential',
    title: 'Credential in Git configuration',
    severity: 'high',
    description:
      '.git/config, .gitconfig, /etc/gitconfig: URLs with user:password@ (remotes, insteadOf) and `http.extraheader` Authorization headers.',
  },
  matches: (path, base) =>
    base === '.gitconfig' || path === 'etc/gitconfig' || (base === 'config' && path.endsWith('.git/config')),
  parse(text) {
    const hits: CredentialHit[] = [];
    text.split('\n').forEach((raw, i) => {
      const url = URL_WITH_PASSWORD.exec(raw);
      if (url)
        hits.push({
          rule: 'git-config-credential',
          key: `${url[1]}://${url[2]}@${url[4]}`,
          value: url[3],
          line: i + 1,
        });
      const header = EXTRA_HEADER.exec(raw);
      if (header)
        hits.push({ rule: 'git-config-credential', key: 'http.extraheader', value: header[1], line: i + 1 });
    });
    return hits;
  },
};
