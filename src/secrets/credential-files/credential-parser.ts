import type { SecretRule } from '../rules.js';

/** What a credential-file rule is, for the checks catalogue (it has no regex: a parser finds it). */
export type CredentialRuleInfo = Pick<SecretRule, 'id' | 'title' | 'severity' | 'description'>;

/** One credential a parser found. Held in memory only: the extractor redacts it at once. */
export interface CredentialHit {
  rule: string;
  /** Where in the file: `_authToken`, `auths.ghcr.io.auth`, `machine example.com password`. */
  key: string;
  value: string;
  line?: number;
}

/**
 * A parser for one kind of credential file. `matches` runs on every file path of every layer,
 * so it compares strings only (`base` is the file name, `path` the normalised path without a
 * leading slash).
 */
export interface CredentialFileParser {
  id: string;
  rule: CredentialRuleInfo;
  matches(path: string, base: string): boolean;
  parse(text: string): CredentialHit[];
}
