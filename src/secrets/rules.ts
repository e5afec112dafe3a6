export type SecretSeverity = 'critical' | 'high' | 'medium' | 'low';

/**
 * A pattern rule. Data, not code: `keywords` (lowercase) gate the rule — its regex runs only
 * where one of them occurs — and `regex` (flag `g`; the value in the named group `secret`, the
 * assigned name, where there is one, in `key`) finds the value. The few switches below tune how
 * the engine runs it; no rule carries its own matching code.
 */
export interface SecretRule {
  /** kebab-case; the check id is `secret-<id>`. */
  id: string;
  title: string;
  severity: SecretSeverity;
  /** What it matches, for CHECKS.md. */
  description: string;
  keywords: readonly string[];
  regex: RegExp;
  /**
   * `text` (default): file contents and every config string. `variable`: only `NAME=value` pairs
   * from ENV, labels and build arguments (the name is the evidence there).
   */
  scope?: 'text' | 'variable';
  /**
   * Bytes of the keyword hit's line the regex sees before the keyword's end and after it
   * (default 1024 each). Token rules whose keyword is their prefix need little before.
   */
  before?: number;
  after?: number;
  /** A literal the line window must contain before the regex is worth running (e.g. `@` for URLs). */
  requires?: string;
  /** The match may span lines (PEM blocks, JSON documents): the regex runs over the whole text. */
  multiline?: boolean;
  /** The whole text must also match this (e.g. `"type": "service_account"` beside a private key). */
  context?: RegExp;
  /** Shannon entropy (bits per character) the value must reach, for rules without a fixed prefix. */
  minEntropy?: number;
  /** The value must contain a digit and a letter (random tokens do; identifiers and words rarely). */
  mixedCharacters?: boolean;
  /**
   * The value has no fixed shape (generic assignments, variables by name): also reject URLs and
   * paths, and, in text (not variables), values that read as code identifiers (`self.password`,
   * `DEFAULT_TOKEN`).
   */
  freeForm?: boolean;
  /** Strip whitespace and escaped newlines from the value before fingerprinting (PEM bodies). */
  compactValue?: boolean;
  /**
   * High confidence even without text around it: also run over binary files (ELF, `.so`,
   * `.class`, `.pyc`…), so a credential compiled into a program is found. There the token's own
   * boundary assertions are dropped (compilers pack string literals back to back), so only
   * rules whose value has a distinctive prefix or delimiters qualify.
   */
  binary?: boolean;
  /**
   * A live credential format that can be checked against its service (cloud keys, GitHub/GitLab/
   * Slack/Stripe tokens…): a finding fails whatever the file's origin (OS package, dependency
   * fixture), since anyone who can push can also write package databases. Keys and generic
   * assignments lack it: there provenance may soften the finding.
   */
  verifiable?: boolean;
}

/** Boundaries that keep a token from matching inside a longer run of token characters. */
const B = '(?<![A-Za-z0-9_])';
const E = '(?![A-Za-z0-9_])';

/** Keywords that prefilter every rule keyed on a secret-like name (both spellings of the common ones). */
const SECRET_NAME_KEYWORDS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'api_key',
  'api-key',
  'apikey',
  'access_key',
];

const SECRET_NAME =
  '(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|secret[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?key|client[_-]?secret|credentials?)';

/**
 * Every pattern rule, in priority order: when two rules match overlapping text, the earlier one
 * wins (a GitHub token assigned to `token=` is reported as a GitHub token, not as a generic
 * assignment). Credential-file parsers (`credential-files/`) add their own rules.
 */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'aws-access-key-id',
    title: 'AWS access key ID',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description:
      'AWS access key IDs (AKIA, ASIA, AGPA, AIDA, AROA, AIPA, ANPA, ANVA, A3T prefixes + 16 characters).',
    keywords: ['akia', 'asia', 'agpa', 'aida', 'aroa', 'aipa', 'anpa', 'anva', 'a3t'],
    regex: new RegExp(
      `(?<![A-Za-z0-9+/])(?<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16})(?![A-Za-z0-9+/])`,
      'g',
    ),
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    severity: 'critical',
    verifiable: true,
    description:
      'A 40-character AWS secret access key assigned to a name like aws_secret_access_key or AWS_SECRET_KEY.',
    keywords: ['aws'],
    regex:
      /(?<key>aws[A-Za-z0-9_.-]{0,20}?(?:secret|sk)[_-]?(?:access)?[_-]?key)["']?\s{0,5}(?::=|=>|=|:)\s{0,5}["']?(?<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    mixedCharacters: true,
    minEntropy: 3.5,
    before: 32,
    after: 128,
  },
  {
    id: 'gcp-service-account',
    title: 'GCP service account key',
    severity: 'critical',
    verifiable: true,
    description:
      'A Google Cloud service-account key file: JSON with "type": "service_account" and a "private_key" (pretty or minified).',
    keywords: ['service_account'],
    regex:
      /"private_key"\s*:\s*"-----BEGIN[A-Z ]*PRIVATE KEY-----(?<secret>[^"]{64,}?)-----END[A-Z ]*PRIVATE KEY-----(?:\\n)*"/g,
    context: /"type"\s*:\s*"service_account"/,
    multiline: true,
    compactValue: true,
  },
  {
    id: 'google-api-key',
    title: 'Google API key',
    severity: 'medium',
    verifiable: true,
    description: 'Google API keys (AIza + 35 characters).',
    keywords: ['aiza'],
    regex: new RegExp(`${B}(?<secret>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9-])`, 'g'),
    before: 32,
    after: 320,
  },
  {
    id: 'azure-storage-account-key',
    title: 'Azure storage account key',
    severity: 'critical',
    verifiable: true,
    description: 'An Azure storage account key in a connection string (AccountKey=…88 base64 characters).',
    keywords: ['accountkey'],
    regex: /(?<key>AccountKey)\s*=\s*(?<secret>[A-Za-z0-9+/]{86}==)/gi,
    before: 16,
    after: 128,
  },
  {
    id: 'azure-entra-client-secret',
    title: 'Azure Entra ID client secret',
    severity: 'high',
    verifiable: true,
    description:
      'Microsoft Entra ID (Azure AD) application client secrets (3 characters, a digit, Q~, 31–34 more).',
    keywords: ['q~'],
    regex: /(?<![A-Za-z0-9_~.-])(?<secret>[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/g,
    mixedCharacters: true,
    before: 16,
    after: 48,
  },
  {
    id: 'azure-sas-token',
    title: 'Azure shared access signature',
    severity: 'high',
    verifiable: true,
    description: 'An Azure SAS token: a signed-version date and a sig= signature of 40+ characters.',
    keywords: ['sig='],
    regex: /sv=\d{4}-\d{2}-\d{2}[^\s"'<>]{0,300}?[&;]sig=(?<secret>[A-Za-z0-9%+/=]{40,})/g,
  },
  {
    id: 'github-pat',
    title: 'GitHub personal access token',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description: 'GitHub classic personal access tokens (ghp_ + 36 characters).',
    keywords: ['ghp_'],
    regex: new RegExp(`${B}(?<secret>ghp_[0-9A-Za-z]{36})${E}`, 'g'),
    before: 32,
    after: 320,
  },
  {
    id: 'github-oauth-token',
    title: 'GitHub OAuth access token',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description: 'GitHub OAuth app access tokens (gho_ + 36 characters).',
    keywords: ['gho_'],
    regex: new RegExp(`${B}(?<secret>gho_[0-9A-Za-z]{36})${E}`, 'g'),
    before: 32,
    after: 320,
  },
  {
    id: 'github-user-token',
    title: 'GitHub user-to-server token',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description: 'GitHub App user-to-server tokens (ghu_ + 36 characters).',
    keywords: ['ghu_'],
    regex: new RegExp(`${B}(?<secret>ghu_[0-9A-Za-z]{36})${E}`, 'g'),
    before: 32,
    after: 320,
  },
  {
    id: 'github-app-token',
    title: 'GitHub server-to-server token',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description: 'GitHub App installation tokens (ghs_ + 36 or more characters).',
    keywords: ['ghs_'],
    regex: new RegExp(`${B}(?<secret>ghs_[0-9A-Za-z]{36,255})${E}`, 'g'),
    before: 32,
    after: 320,
  },
  {
    id: 'github-refresh-token',
    title: 'GitHub refresh token',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description: 'GitHub App refresh tokens (ghr_ + 36 to 76 characters).',
    keywords: ['ghr_'],
    regex: new RegExp(`${B}(?<secret>ghr_[0-9A-Za-z]{36,76})${E}`, 'g'),
    before: 32,
    after: 320,
  },
  {
    id: 'github-fine-grained-pat',
    title: 'GitHub fine-grained personal access token',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description: 'GitHub fine-grained personal access tokens (github_pat_ + 82 characters).',
    keywords: ['github_pat_'],
    regex: new RegExp(`${B}(?<secret>github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59})${E}`, 'g'),
    before: 32,
    after: 320,
  },
  {
    id: 'gitlab-pat',
    title: 'GitLab personal access token',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description: 'GitLab personal, project and group access tokens (glpat- + 20 or more characters).',
    keywords: ['glpat-'],
    regex: /(?<![A-Za-z0-9_-])(?<secret>glpat-[0-9A-Za-z_.-]{20,})(?![A-Za-z0-9_-])/g,
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'gitlab-runner-token',
    title: 'GitLab runner token',
    severity: 'high',
    binary: true,
    verifiable: true,
    description: 'GitLab runner authentication tokens (glrt-) and runner registration tokens (GR1348941).',
    keywords: ['glrt-', 'gr1348941'],
    regex:
      /(?<![A-Za-z0-9_-])(?<secret>glrt-[0-9A-Za-z_.-]{20,}|GR1348941[0-9A-Za-z_-]{20,})(?![A-Za-z0-9_-])/g,
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'gitlab-deploy-token',
    title: 'GitLab deploy token',
    severity: 'high',
    binary: true,
    verifiable: true,
    description: 'GitLab deploy tokens (gldt- + 20 or more characters).',
    keywords: ['gldt-'],
    regex: /(?<![A-Za-z0-9_-])(?<secret>gldt-[0-9A-Za-z_.-]{20,})(?![A-Za-z0-9_-])/g,
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'slack-token',
    title: 'Slack token',
    severity: 'high',
    binary: true,
    verifiable: true,
    description:
      'Slack bot, user, app and configuration tokens (xoxb-, xoxp-, xoxa-, xoxe-, xoxr-, xoxs-, xapp-).',
    keywords: ['xox', 'xapp-'],
    regex:
      /(?<![A-Za-z0-9_-])(?<secret>xox[abeoprs]-(?:\d+-)?[0-9A-Za-z-]{10,250}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{32,})(?![A-Za-z0-9_-])/g,
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'slack-webhook',
    title: 'Slack incoming webhook',
    severity: 'medium',
    binary: true,
    verifiable: true,
    description: 'Slack incoming-webhook and workflow URLs (https://hooks.slack.com/services/…).',
    keywords: ['hooks.slack.com'],
    regex: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<secret>[A-Za-z0-9+/_-]{20,100})/g,
    mixedCharacters: true,
    before: 32,
    after: 160,
  },
  {
    id: 'stripe-live-key',
    title: 'Stripe live secret key',
    severity: 'critical',
    binary: true,
    verifiable: true,
    description: 'Stripe live secret and restricted keys (sk_live_, rk_live_).',
    keywords: ['sk_live_', 'rk_live_'],
    regex: new RegExp(`${B}(?<secret>[sr]k_live_[0-9A-Za-z]{10,247})${E}`, 'g'),
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'stripe-test-key',
    title: 'Stripe test secret key',
    severity: 'low',
    verifiable: true,
    description:
      'Stripe test-mode secret and restricted keys (sk_test_, rk_test_): no live money, still a credential.',
    keywords: ['sk_test_', 'rk_test_'],
    regex: new RegExp(`${B}(?<secret>[sr]k_test_[0-9A-Za-z]{10,247})${E}`, 'g'),
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'npm-access-token',
    title: 'npm access token',
    severity: 'critical',
    verifiable: true,
    description: 'npm access tokens (npm_ + 36 characters), quoted or not.',
    keywords: ['npm_'],
    regex: new RegExp(`${B}(?<secret>npm_[A-Za-z0-9]{36})${E}`, 'g'),
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'pypi-upload-token',
    title: 'PyPI upload token',
    severity: 'critical',
    verifiable: true,
    description: 'PyPI and TestPyPI API tokens (pypi-AgEIcHlwaS5vcmc… / pypi-AgENdGVzdC5weXBpLm9yZw…).',
    keywords: ['pypi-ageichlwas5vcmc', 'pypi-agendgvzdc5wexbplm9yzw'],
    regex: /(?<secret>pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})/g,
    before: 32,
    after: 320,
  },
  {
    id: 'dockerhub-pat',
    title: 'Docker Hub personal access token',
    severity: 'critical',
    verifiable: true,
    description: 'Docker Hub personal and organisation access tokens (dckr_pat_, dckr_oat_).',
    keywords: ['dckr_pat_', 'dckr_oat_'],
    regex: /(?<![A-Za-z0-9_-])(?<secret>dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,})(?![A-Za-z0-9_-])/g,
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'huggingface-token',
    title: 'Hugging Face access token',
    severity: 'high',
    verifiable: true,
    description: 'Hugging Face user and organisation tokens (hf_ / api_org_ + 34 to 40 letters and digits).',
    keywords: ['hf_', 'api_org_'],
    regex: new RegExp(`${B}(?<secret>(?:hf|api_org)_[A-Za-z0-9]{34,40})${E}`, 'g'),
    mixedCharacters: true,
    minEntropy: 3.5,
    before: 32,
    after: 320,
  },
  {
    id: 'openai-api-key',
    title: 'OpenAI API key',
    severity: 'critical',
    verifiable: true,
    description: 'OpenAI API keys: legacy and project/service-account/admin keys (sk-…T3BlbkFJ…, sk-proj-…).',
    keywords: ['t3blbkfj', 'sk-proj-', 'sk-svcacct-', 'sk-admin-'],
    regex:
      /(?<![A-Za-z0-9_-])(?<secret>sk-(?:(?:proj|svcacct|admin|None|service)-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,300})(?![A-Za-z0-9_-])/g,
    mixedCharacters: true,
    before: 240,
    after: 320,
  },
  {
    id: 'anthropic-api-key',
    title: 'Anthropic API key',
    severity: 'critical',
    verifiable: true,
    description: 'Anthropic API and admin keys (sk-ant-api03-…, sk-ant-admin01-…).',
    keywords: ['sk-ant-'],
    regex:
      /(?<![A-Za-z0-9_-])(?<secret>sk-ant-(?:api|admin|oat|ort)\d{2}-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])/g,
    before: 32,
    after: 320,
  },
  {
    id: 'hashicorp-vault-token',
    title: 'HashiCorp Vault token',
    severity: 'high',
    verifiable: true,
    description: 'HashiCorp Vault service and batch tokens (hvs. / hvb. + 90 or more characters).',
    keywords: ['hvs.', 'hvb.'],
    regex: /(?<![A-Za-z0-9_.-])(?<secret>hv[sb]\.[A-Za-z0-9_-]{90,})(?![A-Za-z0-9_-])/g,
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'digitalocean-token',
    title: 'DigitalOcean token',
    severity: 'high',
    verifiable: true,
    description:
      'DigitalOcean personal access, OAuth and refresh tokens (dop_v1_, doo_v1_, dor_v1_ + 64 hex).',
    keywords: ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    regex: new RegExp(`${B}(?<secret>do[opr]_v1_[a-f0-9]{64})${E}`, 'g'),
    before: 32,
    after: 320,
  },
  {
    id: 'sendgrid-api-key',
    title: 'SendGrid API key',
    severity: 'high',
    verifiable: true,
    description: 'SendGrid API keys (SG. + 22 + . + 43 characters).',
    keywords: ['sg.'],
    regex: new RegExp(`${B}(?<secret>SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})${E}`, 'g'),
    mixedCharacters: true,
    before: 32,
    after: 320,
  },
  {
    id: 'private-key',
    title: 'Private key',
    severity: 'high',
    binary: true,
    description:
      'PEM and OpenSSH private keys (RSA, EC, DSA, PKCS#8, encrypted, OPENSSH, PGP) with a body; a bare BEGIN line is not a finding.',
    keywords: ['private key-----', 'private key block-----'],
    regex:
      /-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?<secret>(?:[A-Za-z0-9+/=\s:,.()-]|\\[nr]){64,65536}?)-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----/g,
    multiline: true,
    compactValue: true,
    minEntropy: 4,
  },
  {
    id: 'database-url-password',
    title: 'Database URL with a password',
    severity: 'high',
    description:
      'Connection URLs with a password for PostgreSQL, MySQL/MariaDB, MongoDB (+srv), Redis, AMQP and SQL Server (scheme://user:password@host).',
    keywords: ['postgres', 'mysql', 'mariadb', 'mongodb', 'redis', 'amqp', 'mssql', 'sqlserver'],
    regex:
      /(?<![A-Za-z0-9+.-])(?<key>postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver):\/\/[^\s:@/'"`<>]{0,128}:(?<secret>[^\s@/'"`<>]{1,256})@[A-Za-z0-9[]/g,
    before: 16,
    after: 512,
    requires: '@',
  },
  {
    id: 'url-password',
    title: 'URL with a password',
    severity: 'medium',
    description:
      'http(s)/ftp URLs carrying a password in their user info (https://user:password@host), e.g. private package index URLs.',
    keywords: ['http://', 'https://', 'ftp://'],
    regex:
      /(?<![A-Za-z0-9+.-])(?<key>https?|ftps?):\/\/[A-Za-z0-9._~%!$&'()*+,;=-]{1,128}:(?<secret>[A-Za-z0-9._~%!$&*+,;=-]{8,256})@[A-Za-z0-9[]/g,
    mixedCharacters: true,
    minEntropy: 3,
    before: 16,
    after: 512,
    requires: '@',
  },
  {
    id: 'generic-secret-assignment',
    title: 'Secret-looking value assigned to a secret-like name',
    severity: 'medium',
    description:
      'A random-looking value (at least 12 characters, letters and digits, Shannon entropy ≥ 3.5 bits per character) assigned to a name ending in password, secret, token, api_key, access_key, private_key, credentials…',
    keywords: [
      ...SECRET_NAME_KEYWORDS,
      'access-key',
      'accesskey',
      'private_key',
      'private-key',
      'privatekey',
      'auth_key',
      'authkey',
      'credential',
    ],
    regex: new RegExp(
      `(?<key>[A-Za-z0-9_.-]{0,40}${SECRET_NAME})(?![A-Za-z0-9_])["']?\\s{0,5}(?::=|=>|=|:)\\s{0,5}(?<q>["'\`]?)(?<secret>[^\\s"'\`;,&(){}\\[\\]<>|\\\\]{12,256}?)\\k<q>(?=\\.?(?:[\\s"'\`;,&(){}\\[\\]<>|\\\\]|$))`,
      'gi',
    ),
    mixedCharacters: true,
    freeForm: true,
    minEntropy: 3.5,
    before: 64,
    after: 300,
  },
  {
    id: 'named-variable',
    title: 'Secret in a variable with a secret-like name',
    severity: 'high',
    description:
      'An ENV variable, label or build argument whose name ends in PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, PRIVATE_KEY, CREDENTIALS… with a non-placeholder value of at least 6 characters.',
    keywords: [...SECRET_NAME_KEYWORDS, 'accesskey', 'private_key', 'auth', 'credential'],
    regex: new RegExp(
      `^(?<key>[A-Za-z0-9_.-]{0,80}(?:${SECRET_NAME.slice(3, -1)}|auth))=(?<secret>\\S.{5,})$`,
      'gis',
    ),
    freeForm: true,
    scope: 'variable',
  },
];
