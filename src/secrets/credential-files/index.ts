import { awsCredentialsParser } from './aws-credentials.js';
import type { CredentialFileParser } from './credential-parser.js';
import { dockerConfigParser } from './docker-config.js';
import { dotenvParser } from './dotenv.js';
import { gcloudCredentialsParser } from './gcloud-credentials.js';
import { gitConfigParser } from './git-config.js';
import { gitCredentialsParser } from './git-credentials.js';
import { kubeconfigParser } from './kubeconfig.js';
import { mavenSettingsParser } from './maven-settings.js';
import { netrcParser } from './netrc.js';
import { npmrcParser } from './npmrc.js';
import { pgpassParser } from './pgpass.js';
import { pypircParser } from './pypirc.js';

export type { CredentialFileParser, CredentialHit, CredentialRuleInfo } from './credential-parser.js';

/** Every credential-file parser, in one explicit list. */
export const CREDENTIAL_FILE_PARSERS: readonly CredentialFileParser[] = [
  npmrcParser,
  pypircParser,
  dockerConfigParser,
  netrcParser,
  gitCredentialsParser,
  gitConfigParser,
  pgpassParser,
  awsCredentialsParser,
  gcloudCredentialsParser,
  kubeconfigParser,
  mavenSettingsParser,
  dotenvParser,
];

/** The parser for a file, by its path (no leading slash) and name; undefined for most files. */
export function credentialParserFor(path: string, base: string): CredentialFileParser | undefined {
  for (const parser of CREDENTIAL_FILE_PARSERS) if (parser.matches(path, base)) return parser;
  return undefined;
}
