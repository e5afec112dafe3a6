/**
 * Values that look like secrets but are not: documented example keys and placeholders. A value
 * the allow rules accept is never a finding; the rules are listed here, one place, with why.
 */

/** Keys published in vendor documentation as examples (they authenticate nothing). */
export const DOCUMENTED_EXAMPLE_KEYS: ReadonlySet<string> = new Set([
  // AWS documentation (IAM user guide, CLI docs).
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'AKIAI44QH8DHBEXAMPLE',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  // Stripe API reference and quick starts.
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'sk_test_BQokikJOvBiI2HlWgH4olfQ2',
  'sk_test_26PHem9AhJZvU623DfE1x4sd',
  'sk_test_51HqLyjWDarjtT1zdp7dc',
  'rk_test_26PHem9AhJZvU623DfE1x4sd',
  // Google's documented "not a secret" service-account password and OAuth installed-app secret of gcloud.
  'notasecret',
  'd-FL95Q19q7MQmFpd7hHD0Ty',
  // RFC 6749 (OAuth 2.0) example access token, refresh token, code and client secret.
  '2YotnFZFEjr1zCsicMWpAA',
  'tGzv3JOkF0XG5Qx2TlKWIA',
  'SplxlOBeZQQYbYS6WxSbIA',
  '7Fjfp0ZBr1KtDRbnfVdmIw',
  // OAuth client secrets of Google's installed CLI apps (gcloud, bq), public by design and shipped
  // in every google-cloud-sdk.
  'ZmssLNjJy2998hD4CTg2ejr2',
  'wbER7576mc_1YOII0dGk7jEE',
]);

/** Whole values (lowercased) that are placeholders, not credentials. */
const PLACEHOLDER_WORDS: ReadonlySet<string> = new Set([
  'changeme',
  'change_me',
  'change-me',
  'changeit',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'api_key',
  'example',
  'dummy',
  'placeholder',
  'redacted',
  'removed',
  'hidden',
  'masked',
  'null',
  'nil',
  'none',
  'undefined',
  'true',
  'false',
  'todo',
  'fixme',
  'tbd',
  'test',
  'testing',
  'sample',
  'default',
  'string',
  'value',
  'foo',
  'bar',
  'foobar',
  'secretpassword',
  'mypassword',
  'mysecret',
  'mytoken',
  'yourpassword',
  'yoursecret',
  'yourtoken',
]);

/** Fragments that mark a value as a placeholder or a reference, wherever they occur. */
const PLACEHOLDER_PATTERNS: readonly RegExp[] = [
  // Templates and variable references: ${VAR}, $VAR, $(cmd), {{ var }}, %(name)s, %VAR%, #{var}, <your token>.
  /^\$/,
  /\$\{|\{\{|%\([A-Za-z_]+\)s|^%[A-Za-z_]+%$|#\{|^<.*>$|^\[.*\]$/,
  // Masks and fill characters: xxxx, ****, ••••, ....; "EXAMPLE" keys.
  /xxxx|\*\*\*|•••|\.\.\.\.|example|_here\b|-here\b/i,
  // your-api-key-here, your_token, <insert token>, replace-me.
  /^(?:your|my|insert|enter|put|replace|paste)[-_ ]|(?:^|[-_ ])(?:placeholder|changeme|change[-_]me|dummy|fake|redacted)(?:$|[-_ ])/i,
  // Code reading the value from elsewhere: process.env.X, os.environ["X"], os.getenv(…), ENV[…], System.getenv.
  /^(?:process\.env|os\.environ|os\.getenv|getenv|env\.|ENV\[|System\.getenv|config\.|settings\.|self\.|this\.|request\.|args\.|opts\.|options\.)/i,
];

/**
 * True when `value` is a documented example or a placeholder: empty, a template (`${VAR}`,
 * `$VAR`, `{{ … }}`, `<…>`), a mask (`xxxx`, `***`), a stock word (`changeme`, `password`), a
 * reference to where the real value comes from (`process.env.TOKEN`), or repetitive (at most 3
 * distinct characters, e.g. `aaaaaaaa`, `12121212`).
 */
export function isAllowedValue(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === '') return true;
  if (DOCUMENTED_EXAMPLE_KEYS.has(trimmed)) return true;
  if (PLACEHOLDER_WORDS.has(trimmed.toLowerCase())) return true;
  for (const pattern of PLACEHOLDER_PATTERNS) if (pattern.test(trimmed)) return true;
  if (new Set(trimmed).size <= 3) return true;
  return isEncodedSentence(trimmed);
}

/**
 * Base64 that decodes to a readable phrase with spaces (`bm90IG15IHJlYWwgcGFzc3dvcmQ=` is "not my
 * real password") is documentation; real credentials decode to random bytes or `user:token`.
 */
function isEncodedSentence(value: string): boolean {
  if (value.length < 12 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const decoded = Buffer.from(value, 'base64').toString('latin1');
  return decoded.includes(' ') && /^[A-Za-z ,.'!?-]+$/.test(decoded);
}

/**
 * A pointer to a secret, not a secret: a URL (a password inside one is the URL rules' job) or a
 * path (`/run/secrets/token`, `./key`, `~/.token`). Only free-form rules apply it: a 40-character
 * AWS secret key or a PEM body may well start with `/`.
 */
export function isReference(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^(?:\/|\.\.?\/|~\/)/.test(value);
}

/**
 * Code, not a value: dotted member chains (`exports.STRICT_TOKEN`, `ed25519.Ed25519PrivateKey`),
 * snake_case, CONSTANT_CASE and camelCase identifiers. Only rules without a fixed token shape
 * (generic assignments) apply it: a GitHub token is snake-case-shaped too.
 */
export function isCodeIdentifier(value: string): boolean {
  return (
    // member chains, optionally ending in a dot (a sentence or a call cut off)
    /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+\.?$/.test(value) ||
    // snake_case / kebab-case and CONSTANT_CASE words
    /^_*[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+$/.test(value) ||
    /^[A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)+$/.test(value) ||
    // C++ qualified names: v8::Private::ForApi
    /^[A-Za-z_]\w*(?:::[A-Za-z_]\w*)+$/.test(value) ||
    // Closure-compiled names: module$contents$a$b
    /^[A-Za-z_][\w]*(?:\$[A-Za-z_][\w]*){2,}/.test(value) ||
    // resource paths: projects/my-project/secrets/my-secret/versions/2
    /^[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)+\/?$/.test(value) ||
    isWordy(value)
  );
}

/**
 * camelCase / PascalCase identifiers made of words (`PKCS7PrivateKeyTypes`, `getAccessToken`):
 * split into case runs and digit runs, identifiers average 4+ characters a part; random tokens
 * (`eav1OzQB0OM8rLdGXOEsyQWSG`) average about 2.
 */
function isWordy(value: string): boolean {
  // A trailing dot (cut-off sentence) or bundler suffix (`Token$1`) does not make it random.
  const body = value.replace(/(?:\.|\$\d+)$/, '');
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(body)) return false;
  const parts = body.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+/g) ?? [];
  return parts.length >= 2 && body.length / parts.length >= 4;
}
