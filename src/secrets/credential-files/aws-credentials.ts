import type { CredentialFileParser, CredentialHit } from './credential-parser.js';
import { unquote } from './unquote.js';

/** `~/.aws/credentials` and `~/.aws/config`: secret keys and session tokens per profile. */
export const awsCredentialsParser: CredentialFileParser = {
  id: 'aws-credentials',
  rule: {
    id: 'aws-credentials-file',
    title: 'AWS credentials file',
    severity: 'critical',
    description:
      '`aws_secret_access_key` or `aws_session_token` in a profile of ~/.aws/credentials or ~/.aws/config.',
  },
  matches: (path, base) => (base === 'credentials' || base === 'config') && path.endsWith(`.aws/${base}`),
  parse(text) {
    const hits: CredentialHit[] = [];
    let profile = 'default';
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
      if (header) profile = header[1];
      const m = /^(aws_secret_access_key|aws_session_token|aws_security_token)\s*=\s*(.*)$/i.exec(line);
      if (m)
        hits.push({
          rule: 'aws-credentials-file',
          key: `${profile}.${m[1].toLowerCase()}`,
          value: unquote(m[2]),
          line: i + 1,
        });
    });
    return hits;
  },
};
