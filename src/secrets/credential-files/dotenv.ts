import type { CredentialFileParser, CredentialHit } from './credential-parser.js';
import { unquote } from './unquote.js';

/** Variants that hold placeholders by convention; their contents still go through the pattern rules. */
const TEMPLATES = new Set([
  'example',
  'sample',
  'template',
  'dist',
  'defaults',
  'default',
  'schema',
  'tmpl',
  'tpl',
]);
const NAME =
  /(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|SECRET_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH_?KEY|CLIENT_?SECRET|CREDENTIALS?)$/i;

/**
 * `.env` files (`.env`, `.env.local`, `.env.production`…, not `.env.example`/`.sample`/
 * `.template`): `NAME=value` where the name ends like a secret and the value is at least 6
 * characters (allow rules still apply: `${VAR}`, `changeme`, `<…>` are fine).
 */
export const dotenvParser: CredentialFileParser = {
  id: 'dotenv',
  rule: {
    id: 'dotenv-secret',
    title: 'Secret in a .env file',
    severity: 'high',
    description:
      'A `NAME=value` line of .env, .env.local, .env.production… whose name ends in PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, PRIVATE_KEY, CREDENTIALS… (not .env.example, .env.sample, .env.template).',
  },
  matches(_path, base) {
    if (base === '.env') return true;
    if (!base.startsWith('.env.')) return false;
    return !base
      .slice(5)
      .toLowerCase()
      .split('.')
      .some((part) => TEMPLATES.has(part));
  },
  parse(text) {
    const hits: CredentialHit[] = [];
    text.split('\n').forEach((raw, i) => {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$/.exec(raw);
      if (!m || !NAME.test(m[1])) return;
      const value = unquote(m[2].replace(/\s+#.*$/, ''));
      if (value.length >= 6) hits.push({ rule: 'dotenv-secret', key: m[1], value, line: i + 1 });
    });
    return hits;
  },
};
