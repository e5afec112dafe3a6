import { isRecord } from '../is-record.js';
import { didYouMean } from './did-you-mean.js';
import type { FactsLocation } from './facts-location.js';
import type { KeyPath } from './yaml-positions.js';

/** A problem in one rule schema; `path` is relative to the schema. */
export interface RuleSchemaProblem {
  path: KeyPath;
  message: string;
  /** Point at the key (an unknown name) rather than at its value. */
  atKey: boolean;
  /** ajv would refuse to compile the schema (unknown keyword or format, invalid regex). */
  refused: boolean;
}

export interface RuleSchemaVocabulary {
  /** Keywords the evaluating ajv knows (its `RULES.keywords`). */
  keywords: ReadonlySet<string>;
  /** Formats the evaluating ajv knows. */
  formats: ReadonlySet<string>;
}

/** How many subschemas one rule may make lint visit: rules are small; a hostile one must not hang lint. */
const MAX_VISITS = 20_000;
const MAX_DEPTH = 200;

type NameUse = 'properties' | 'required';

/**
 * Where in the rule a subschema sits. `plain`: its failing makes the rule fail (reached through
 * `properties`, `items`, `allOf`, `then`… only), so the effect of a typo can be said outright;
 * below `not`, `anyOf`, `oneOf`, `if` or `contains` a typo still matters but its effect depends
 * on the rest of the rule.
 */
interface Place {
  at: FactsLocation;
  plain: boolean;
}

function isRegex(source: string): string | undefined {
  try {
    new RegExp(source, 'u');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => `'${n}'`);
  return names.length > shown.length ? `${shown.join(', ')}, …` : shown.join(', ');
}

/**
 * Checks a rule schema against what the facts can hold, walking it in lock-step with the facts
 * schema: a property name the facts never have at that place is an error (a typo in `properties`
 * makes that part of the rule pass every image; a typo in `required` makes it fail every image),
 * with the closest known name as a suggestion. It also finds every unknown keyword, unknown
 * format and invalid regex — ajv's compile would stop at the first one.
 */
export function lintRuleSchema(
  schema: Record<string, unknown>,
  facts: FactsLocation,
  vocabulary: RuleSchemaVocabulary,
): RuleSchemaProblem[] {
  const problems: RuleSchemaProblem[] = [];
  let visits = 0;
  let exhausted = false;
  /** `$ref` targets being walked, so a recursive rule schema ends. */
  const following = new Set<unknown>();

  const report = (path: KeyPath, message: string, atKey = false, refused = false): void => {
    problems.push({ path, message, atKey, refused });
  };

  const unknownName = (name: string, path: KeyPath, use: NameUse, { at, plain }: Place): FactsLocation => {
    const where = at.path === '' ? 'at the top of the facts document' : `in ${at.path}`;
    if (!at.isObject) {
      // `properties` and `required` say nothing about a value that is not an object.
      const items = at.isArray ? at.items() : undefined;
      const hint =
        items?.property(name) && !items.any ? `; under items it would name ${items.path}.${name}` : '';
      report(
        path,
        `'${name}' cannot be a property of ${at.path}, which is ${at.describe()} in the facts: ` +
          `${plain ? 'this part of the rule can never fail' : 'this is never checked'}${hint}`,
        use === 'properties',
      );
      return at.unchecked();
    }
    const suggestion = didYouMean(name, at.names);
    let effect: string;
    if (use === 'properties')
      effect = plain ? 'this part of the rule can never fail' : 'this is never checked';
    else if (!plain) effect = 'this required can never be met';
    else
      effect =
        at.path === '' ? 'the rule fails for every image' : `the rule fails whenever ${at.path} is checked`;
    const hint = suggestion ? `did you mean '${suggestion}'?` : `known here: ${listNames(at.names)}`;
    report(path, `unknown facts property '${name}' ${where}: ${effect}; ${hint}`, use === 'properties');
    // Keep checking below a likely typo as if it were fixed, so one run reports the typos under it too.
    return (suggestion ? at.property(suggestion) : undefined) ?? at.unchecked();
  };

  const name = (property: string, path: KeyPath, use: NameUse, place: Place): FactsLocation =>
    place.at.property(property) ?? unknownName(property, path, use, place);

  const names = (list: unknown, path: KeyPath, use: NameUse, place: Place): void => {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      if (typeof item === 'string') name(item, [...path, i], use, place);
    });
  };

  const resolveLocal = (ref: string): { node: unknown; path: KeyPath } | undefined => {
    if (!ref.startsWith('#')) return undefined;
    let node: unknown = schema;
    const path: KeyPath = [];
    for (const raw of ref.slice(1).split('/').slice(1)) {
      const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (Array.isArray(node) && /^\d+$/.test(segment)) {
        node = node[Number(segment)];
        path.push(Number(segment));
      } else if (isRecord(node) && Object.hasOwn(node, segment)) {
        node = node[segment];
        path.push(segment);
      } else return undefined;
    }
    return { node, path };
  };

  const visit = (node: unknown, path: KeyPath, place: Place, depth: number): void => {
    if (!isRecord(node)) return; // booleans say nothing by name; other shapes are the meta-schema's to report
    if (++visits > MAX_VISITS || depth > MAX_DEPTH) {
      if (!exhausted) report(path, 'rule schema too large or too deeply nested to check');
      exhausted = true;
      return;
    }
    const { at, plain } = place;
    /** Walks a subschema at `location`; `keepsPlain` false below keywords that do not simply pass failure up. */
    const sub = (value: unknown, keyPath: KeyPath, location: FactsLocation, keepsPlain = true): void =>
      visit(value, keyPath, { at: location, plain: plain && keepsPlain }, depth + 1);

    for (const [keyword, value] of Object.entries(node)) {
      const here: KeyPath = [...path, keyword];
      if (!vocabulary.keywords.has(keyword)) {
        const suggestion = didYouMean(keyword, [...vocabulary.keywords]);
        report(
          here,
          `invalid rule schema: unknown keyword "${keyword}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          true,
          true,
        );
        continue;
      }
      switch (keyword) {
        case 'properties':
          if (isRecord(value))
            for (const [property, subschema] of Object.entries(value)) {
              const keyPath = [...here, property];
              sub(subschema, keyPath, name(property, keyPath, 'properties', place));
            }
          break;
        case 'patternProperties':
          if (isRecord(value))
            for (const [source, subschema] of Object.entries(value)) {
              const keyPath = [...here, source];
              const invalid = isRegex(source);
              if (invalid) {
                report(keyPath, `invalid rule schema: ${invalid}`, true, true);
                continue;
              }
              const matched = at.propertiesMatching(new RegExp(source, 'u'));
              if (!matched) {
                const where = at.path === '' ? 'at the top of the facts document' : `in ${at.path}`;
                report(
                  keyPath,
                  `pattern /${source}/ matches no facts property ${where}: ` +
                    (plain ? 'this part of the rule can never fail' : 'this is never checked') +
                    (at.isObject ? `; known here: ${listNames(at.names)}` : ''),
                  true,
                );
              }
              sub(subschema, keyPath, matched ?? at.unchecked());
            }
          break;
        case 'additionalProperties':
        case 'unevaluatedProperties':
          sub(value, here, at.anyProperty());
          break;
        case 'required':
          names(value, here, 'required', place);
          break;
        case 'dependentRequired':
          if (isRecord(value))
            for (const [property, required] of Object.entries(value)) {
              name(property, [...here, property], 'properties', place);
              names(required, [...here, property], 'required', place);
            }
          break;
        case 'dependentSchemas':
        case 'dependencies':
          if (isRecord(value))
            for (const [property, dependent] of Object.entries(value)) {
              name(property, [...here, property], 'properties', place);
              if (Array.isArray(dependent)) names(dependent, [...here, property], 'required', place);
              else sub(dependent, [...here, property], at);
            }
          break;
        case 'prefixItems':
          if (Array.isArray(value)) value.forEach((item, i) => sub(item, [...here, i], at.items()));
          break;
        case '$defs':
        case 'definitions':
          // Where a definition applies is known only where it is referenced (`$ref` below); here
          // only its keywords are checked.
          if (isRecord(value))
            for (const [def, subschema] of Object.entries(value))
              sub(subschema, [...here, def], at.unchecked(), false);
          break;
        case '$id':
        case '$anchor':
        case '$dynamicRef':
        case '$dynamicAnchor':
        case '$recursiveRef':
        case '$recursiveAnchor':
          // Names reached through these cannot be followed by lint, so a typo behind one would
          // pass unseen: a rule schema refers to its own parts only by `#/…` pointers.
          report(
            here,
            `${keyword} is not allowed in a rule schema: pushgate cannot check the facts names behind it; use $defs and $ref: '#/$defs/…'`,
            true,
          );
          break;
        case '$ref':
          if (typeof value === 'string' && value !== '#' && !value.startsWith('#/')) {
            report(
              here,
              `$ref '${value}' is not a local JSON pointer: pushgate cannot check the facts names behind it; use $ref: '#/$defs/…'`,
              false,
            );
          } else if (typeof value === 'string') {
            const target = resolveLocal(value);
            if (target && !following.has(target.node)) {
              following.add(target.node);
              sub(target.node, target.path, at);
              following.delete(target.node);
            }
          }
          break;
        case 'pattern':
          if (typeof value === 'string') {
            const invalid = isRegex(value);
            if (invalid) report(here, `invalid rule schema: ${invalid}`, false, true);
          }
          break;
        case 'format':
          if (typeof value === 'string' && !vocabulary.formats.has(value)) {
            const suggestion = didYouMean(value, [...vocabulary.formats]);
            report(
              here,
              `invalid rule schema: unknown format "${value}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
              false,
              true,
            );
          }
          break;
        case 'allOf':
          if (Array.isArray(value)) value.forEach((item, i) => sub(item, [...here, i], at));
          break;
        case 'anyOf':
        case 'oneOf':
          if (Array.isArray(value)) value.forEach((item, i) => sub(item, [...here, i], at, false));
          break;
        case 'then':
        case 'else':
          sub(value, here, at);
          break;
        case 'not':
        case 'if':
          sub(value, here, at, false);
          break;
        case 'items':
        case 'unevaluatedItems':
          sub(value, here, at.items());
          break;
        case 'contains':
          sub(value, here, at.items(), false);
          break;
        case 'propertyNames':
        case 'contentSchema':
          // Subschemas over property names and decoded content: no facts names there.
          sub(value, here, at.unchecked(), false);
          break;
      }
    }
  };

  visit(schema, [], { at: facts, plain: true }, 0);
  return problems;
}
