import type { CredentialFileParser, CredentialHit } from './credential-parser.js';

/** Splits a .pgpass line on unescaped colons, unescaping `\:` and `\\`. */
function fields(line: string): string[] {
  const out: string[] = [''];
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) out[out.length - 1] += line[++i];
    else if (c === ':') out.push('');
    else out[out.length - 1] += c;
  }
  return out;
}

/** PostgreSQL `.pgpass`: `host:port:database:user:password` lines. */
export const pgpassParser: CredentialFileParser = {
  id: 'pgpass',
  rule: {
    id: 'pgpass-password',
    title: 'Password in .pgpass',
    severity: 'high',
    description: 'The password field of `host:port:database:user:password` lines in .pgpass.',
  },
  matches: (_path, base) => base === '.pgpass' || base === 'pgpass.conf',
  parse(text) {
    const hits: CredentialHit[] = [];
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      const f = fields(line);
      if (f.length >= 5)
        hits.push({
          rule: 'pgpass-password',
          key: `${f[0]}:${f[1]}:${f[2]}:${f[3]}`,
          value: f.slice(4).join(':'),
          line: i + 1,
        });
    });
    return hits;
  },
};
