import { FactsLocation } from './facts-location.js';

export const RULE_SCHEMA_META_ID = 'https://pushgate.dev/schemas/rule-schema.schema.json';

/** The definition for places with no properties and no items (strings, numbers, nothing at all). */
const NO_PROPERTIES = 'noProperties';
const ANY = 'any';

const ref = (name: string): Record<string, string> => ({ $ref: `#/$defs/${name}` });

/** `compilers[].evidence[]` → `compilers-item.evidence-item`: usable in a JSON Pointer fragment. */
function defNameOf(location: FactsLocation): string {
  if (location.path === '') return 'facts';
  return location.defName ?? location.path.replace(/\[\]/g, '-item');
}

/**
 * What a rule schema may name, as a JSON Schema of rule schemas, generated from the facts schema
 * (`npm run gen:docs`). A `$ref` to the facts schema itself would check the rule as if it were a
 * facts document; this one follows the facts place by place instead: at each place `properties`
 * and `required` may only name what the facts have there, `items` and `contains` lead to
 * the items, and `allOf`/`anyOf`/`oneOf`/`not`/`if`/`then`/`else` stay at the same place. Other
 * keywords are left to the JSON Schema meta-schema. For editors: `pushgate policy lint` checks the
 * same names, and more, with positions and suggestions.
 */
export function buildRuleSchemaMeta(factsSchema: Record<string, unknown>): Record<string, unknown> {
  const byKey = new Map<string, string>();
  const used = new Set<string>([NO_PROPERTIES, ANY]);
  const order: string[] = [];
  /** The facts places each definition stands for, for its description. */
  const places = new Map<string, string[]>();
  const pending: Array<[string, FactsLocation]> = [];

  const defFor = (location: FactsLocation): string => {
    if (location.any) return ANY;
    if (!location.isObject && !location.isArray) return NO_PROPERTIES;
    let name = byKey.get(location.key);
    if (name !== undefined) {
      places.get(name)!.push(location.path);
    } else {
      const base = defNameOf(location);
      name = base;
      for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
      used.add(name);
      byKey.set(location.key, name);
      order.push(name);
      places.set(name, [location.path === '' ? 'the top of the facts document' : location.path]);
      pending.push([name, location]);
    }
    return name;
  };

  // Keywords that cannot apply at a place (`items` where the facts hold an object) are left out
  // rather than forbidden, to keep the file small; `pushgate policy lint` reports those too.
  const body = (self: string, location: FactsLocation | undefined): Record<string, unknown> => {
    const keywords: Record<string, unknown> = {};
    if (location?.isObject) {
      const properties: Record<string, unknown> = {};
      for (const name of location.names) properties[name] = ref(defFor(location.property(name)!));
      keywords.properties = location.takesOtherNames
        ? { properties }
        : { properties, additionalProperties: false };
      if (!location.takesOtherNames) keywords.required = { items: { enum: location.names } };
    } else if (!location?.isArray) {
      keywords.properties = { maxProperties: 0 };
      keywords.required = { maxItems: 0 };
    }
    if (location?.isArray) {
      const items = ref(defFor(location.items()));
      keywords.items = items;
      keywords.contains = items;
    }
    // The shapes of the keywords themselves (`properties` is an object…) are the JSON Schema
    // meta-schema's to check; this only says which names and places they may lead to.
    return {
      properties: keywords,
      patternProperties: {
        '^(allOf|anyOf|oneOf)$': { items: ref(self) },
        '^(not|if|then|else)$': ref(self),
      },
    };
  };

  const root = defFor(FactsLocation.root(factsSchema));
  const defs = new Map<string, Record<string, unknown>>();
  while (pending.length > 0) {
    const [name, location] = pending.shift()!;
    defs.set(name, body(name, location));
  }

  // Places of the same shape (every array of strings, say) share one definition: merge definitions
  // whose bodies are equal up to their own name until nothing changes.
  const bodyKey = (name: string, def: Record<string, unknown>): string =>
    JSON.stringify(def).split(`"#/$defs/${name}"`).join('"SELF"');
  for (let merged = true; merged;) {
    merged = false;
    const first = new Map<string, string>();
    const renames = new Map<string, string>();
    for (const name of order) {
      if (!defs.has(name)) continue;
      const key = bodyKey(name, defs.get(name)!);
      const keep = first.get(key);
      if (keep === undefined) first.set(key, name);
      else renames.set(name, keep);
    }
    for (const [from, to] of renames) {
      merged = true;
      defs.delete(from);
      places.get(to)!.push(...places.get(from)!);
      for (const [name, def] of defs)
        defs.set(name, JSON.parse(JSON.stringify(def).split(`"#/$defs/${from}"`).join(`"#/$defs/${to}"`)));
    }
  }

  const out: Record<string, unknown> = {};
  for (const name of order) {
    const def = defs.get(name);
    if (!def) continue;
    const at = places.get(name)!;
    const shown = at.slice(0, 4).join(', ') + (at.length > 4 ? ', …' : '');
    out[name] = { description: `What a rule schema may name at ${shown}.`, ...def };
  }
  out[NO_PROPERTIES] = { description: 'No properties and no items here.', ...body(NO_PROPERTIES, undefined) };
  out[ANY] = true;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: RULE_SCHEMA_META_ID,
    title: 'pushgate rule schema',
    description:
      'What a rule schema of an ImagePolicy may name at each place of the facts document ' +
      '(https://pushgate.dev/schemas/facts.schema.json). Generated by `pushgate policy rule-schema`.',
    $ref: `#/$defs/${root}`,
    $defs: out,
  };
}
