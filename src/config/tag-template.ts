import { PushgateError } from '../errors.js';
import { isValidTag } from '../oci/reference.js';

/**
 * Tag templates (`{{tag}}-verified`, `quarantined-{{digest}}`) name the tags pushgate writes.
 * The same template both renders a tag and recognises one, so intake can tell pushgate's own
 * pushes from a user's and never inspect (and act on) its own writes.
 */
export const TEMPLATE_VARIABLES = ['tag', 'digest', 'repository', 'decision'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Partial<Record<TemplateVariable, string>>;

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;

/** A tag for an untagged image: `sha256-<first 12 hex>`. */
export function untaggedName(digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return `${algorithm}-${hex.slice(0, 12)}`;
}

/** `{{digest}}` renders as `sha256-<first 12 hex>`: a tag cannot hold a colon. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      throw new PushgateError('CONFIG_INVALID', `template "${template}": unknown placeholder {{${name}}}`);
    }
    const value = values[name as TemplateVariable];
    if (value === undefined) {
      throw new PushgateError('INTERNAL', `template "${template}": no value for {{${name}}}`);
    }
    return name === 'digest' ? untaggedName(value) : value;
  });
}

/** Renders a tag template and checks the result is a valid tag (≤128 chars, `[\w][\w.-]*`). */
export function renderTagTemplate(template: string, values: TemplateValues): string {
  const tag = renderTemplate(template, values);
  if (!isValidTag(tag)) {
    throw new PushgateError(
      'CONFIG_INVALID',
      `tag template "${template}" rendered "${tag}", which is not a valid tag`,
    );
  }
  return tag;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A pattern matching every value the template can render: placeholders match any run of tag
 * characters. A template with no literal text (`{{tag}}`) would match every tag, so it is refused.
 */
export function templatePattern(template: string): RegExp {
  let source = '';
  let last = 0;
  let literal = '';
  for (const match of template.matchAll(PLACEHOLDER)) {
    const text = template.slice(last, match.index);
    literal += text;
    source += `${escapeRegExp(text)}[A-Za-z0-9_./-]+`;
    last = match.index + match[0].length;
  }
  const tail = template.slice(last);
  literal += tail;
  source += escapeRegExp(tail);
  if (literal === '') {
    throw new PushgateError(
      'CONFIG_INVALID',
      `template "${template}" has no literal text: it would match every tag, so pushgate could not tell its own writes apart`,
    );
  }
  return new RegExp(`^${source}$`);
}

// {{repository}} may be a whole path; any other placeholder is one path component.
const REPOSITORY_PATH = '[a-z0-9._/-]+';
const PATH_COMPONENT = '[a-z0-9._-]+';

/**
 * A pattern matching every repository a repository template (`quarantine/{{repository}}`) can
 * render. One with no literal text would match every repository, so it is refused.
 */
export function repositoryTemplatePattern(template: string): RegExp {
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
