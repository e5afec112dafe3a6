import { templatePattern } from '../config/tag-template.js';
import { PushgateError } from '../errors.js';
import { quote } from './quote.js';
import type { PushEvent } from './types.js';

/** What pushgate itself writes to registries, so intake can skip the push events those writes cause. */
export interface OwnWriteConfig {
  /** Every tag template pushgate may write (fail tag, pass tag, policies' tags). */
  tagTemplates: readonly string[];
  /** `enforcement.quarantineRepository`, e.g. `quarantine/{{repository}}`; empty = none. */
  quarantineRepositoryTemplate: string;
}

/**
 * Tags of OCI referrers written under the fallback tag scheme (`sha256-<hex>`, distribution-spec
 * "referrers tag schema") and cosign's signature/attestation/SBOM tags (`sha256-<hex>.sig`…).
 */
const REFERRER_TAG = /^(?:sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})(?:\.(?:sig|att|sbom))?$/;

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;
// {{repository}} may be a whole path; any other placeholder is one path component.
const REPOSITORY_PATH = '[a-z0-9._/-]+';
const PATH_COMPONENT = '[a-z0-9._-]+';

const tagPatterns = new Map<string, RegExp>();
const repositoryPatterns = new Map<string, RegExp>();

/**
 * Why `event` is a push pushgate made itself (a tag one of its templates renders, a referrers
 * fallback or cosign tag, a repository under the quarantine template), or undefined when it is
 * not. Pushgate must never inspect its own writes, or tagging a verdict would trigger another one.
 * Throws `PushgateError('CONFIG_INVALID')` for a template with no literal text, which would match
 * everything (the config loader should refuse those first).
 */
export function isOwnWrite(event: PushEvent, own: OwnWriteConfig): string | undefined {
  if (event.tag !== undefined) {
    for (const template of own.tagTemplates) {
      if (cached(tagPatterns, template, templatePattern).test(event.tag)) {
        return `tag ${quote(event.tag)} matches pushgate's tag template "${template}"`;
      }
    }
    if (REFERRER_TAG.test(event.tag)) {
      return `tag ${quote(event.tag)} is a referrers fallback or signature tag`;
    }
  }
  const quarantine = own.quarantineRepositoryTemplate;
  if (quarantine !== '' && cached(repositoryPatterns, quarantine, repositoryPattern).test(event.repository)) {
    return `repository ${quote(event.repository)} matches pushgate's quarantine repository "${quarantine}"`;
  }
  return undefined;
}

function cached(cache: Map<string, RegExp>, template: string, compile: (t: string) => RegExp): RegExp {
  let pattern = cache.get(template);
  if (pattern === undefined) {
    pattern = compile(template);
    // Templates come from config: a handful per process. The cap only bounds a misuse.
    if (cache.size < 1000) cache.set(template, pattern);
  }
  return pattern;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pattern matching every repository the quarantine template can render. */
function repositoryPattern(template: string): RegExp {
  let source = '';
  let literal = '';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const text = template.slice(last, match.index);
    literal += text;
    source += escapeRegExp(text) + (match[1] === 'repository' ? REPOSITORY_PATH : PATH_COMPONENT);
    last = match.index + match[0].length;
  }
  const tail = template.slice(last);
  literal += tail;
  source += escapeRegExp(tail);
  if (literal.replace(/\//g, '') === '') {
    throw new PushgateError(
      'CONFIG_INVALID',
      `quarantine repository template "${template}" has no literal text: it would match every repository`,
    );
  }
  return new RegExp(`^${source}$`);
}
