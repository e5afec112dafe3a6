import { isRecord } from '../is-record.js';

type SchemaObject = Record<string, unknown>;

/** The keywords that make a facts schema node say something about the value itself. */
const CONSTRAINTS = [
  'type',
  'properties',
  'patternProperties',
  'additionalProperties',
  'items',
  'prefixItems',
  'const',
  'enum',
] as const;
const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;

/** The facts schema with what is needed to walk it: its own `$ref`s resolved, stable node ids. */
class FactsSchemaIndex {
  private readonly ids = new Map<object, number>();
  /** `$defs` entries by node, so generated names can say `evidence` rather than a path. */
  readonly defNames = new Map<object, string>();

  constructor(readonly root: SchemaObject) {
    const defs = isRecord(root.$defs) ? root.$defs : {};
    for (const [name, node] of Object.entries(defs)) if (isRecord(node)) this.defNames.set(node, name);
  }

  id(node: object): number {
    let id = this.ids.get(node);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(node, id);
    }
    return id;
  }

  /** Only local references (`#/…`): the facts schema is one self-contained document. */
  resolve(ref: string): unknown {
    if (!ref.startsWith('#')) return undefined;
    let node: unknown = this.root;
    for (const raw of ref.slice(1).split('/').slice(1)) {
      const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (Array.isArray(node)) node = node[Number(segment)];
      else if (isRecord(node)) node = node[segment];
      else return undefined;
    }
    return node;
  }

  /**
   * The schema objects a value at this node must satisfy one of, with `$ref` followed and
   * `allOf`/`anyOf`/`oneOf` flattened. The union is deliberately generous: a name known in any
   * branch is known. Returns `any` when some branch constrains nothing.
   */
  expand(node: unknown, out: SchemaObject[], seen: Set<unknown> = new Set()): { any: boolean } {
    if (node === true) return { any: true };
    if (!isRecord(node) || seen.has(node)) return { any: false };
    seen.add(node);
    let any = false;
    let delegated = false;
    if (typeof node.$ref === 'string') {
      delegated = true;
      any = this.expand(this.resolve(node.$ref), out, seen).any || any;
    }
    for (const keyword of COMBINATORS) {
      const branches = node[keyword];
      if (!Array.isArray(branches)) continue;
      delegated = true;
      for (const branch of branches) any = this.expand(branch, out, seen).any || any;
    }
    if (CONSTRAINTS.some((keyword) => keyword in node)) out.push(node);
    else if (!delegated) any = true;
    seen.delete(node);
    return { any };
  }
}

function typesOf(node: SchemaObject): string[] {
  if (typeof node.type === 'string') return [node.type];
  if (Array.isArray(node.type)) return node.type.filter((t): t is string => typeof t === 'string');
  return [];
}

function isObjectNode(node: SchemaObject): boolean {
  const types = typesOf(node);
  if (types.length > 0) return types.includes('object');
  return 'properties' in node || 'patternProperties' in node || 'additionalProperties' in node;
}

function isArrayNode(node: SchemaObject): boolean {
  const types = typesOf(node);
  if (types.length > 0) return types.includes('array');
  return 'items' in node || 'prefixItems' in node;
}

function patternsOf(node: SchemaObject): Array<[RegExp, unknown]> {
  if (!isRecord(node.patternProperties)) return [];
  return Object.entries(node.patternProperties).map(([source, schema]) => [new RegExp(source, 'u'), schema]);
}

const ARTICLE: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  integer: 'an integer',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
};

/**
 * One place in the facts document, as the facts schema describes it: which property names exist
 * there, what its items are. Rule schemas are walked in lock-step with it.
 */
export class FactsLocation {
  private constructor(
    private readonly index: FactsSchemaIndex,
    /** `compilers[].evidence[]`; '' for the document itself. */
    readonly path: string,
    private readonly nodes: readonly SchemaObject[],
    /** The facts schema says nothing here (or allows anything): every name may exist. */
    readonly any: boolean,
  ) {}

  /** The root of the facts document described by `schema` (facts.schema.json). */
  static root(schema: Record<string, unknown>): FactsLocation {
    const index = new FactsSchemaIndex(schema);
    return FactsLocation.of(index, '', [schema]);
  }

  private static of(index: FactsSchemaIndex, path: string, schemas: readonly unknown[]): FactsLocation {
    const nodes: SchemaObject[] = [];
    let any = false;
    for (const schema of schemas) any = index.expand(schema, nodes).any || any;
    return new FactsLocation(index, path, [...new Set(nodes)], any);
  }

  /** A location nothing is known about (below an unknown name): nothing below it is checked. */
  unchecked(): FactsLocation {
    return new FactsLocation(this.index, this.path, [], true);
  }

  /** Identifies the set of facts schema nodes, so equal places can share one generated definition. */
  get key(): string {
    if (this.any) return 'any';
    return this.nodes
      .map((node) => this.index.id(node))
      .sort((a, b) => a - b)
      .join(',');
  }

  /** The `$defs` name of the facts schema this place is exactly, if it is one. */
  get defName(): string | undefined {
    return this.nodes.length === 1 ? this.index.defNames.get(this.nodes[0]) : undefined;
  }

  get isObject(): boolean {
    return this.any || this.nodes.some(isObjectNode);
  }

  get isArray(): boolean {
    return this.any || this.nodes.some(isArrayNode);
  }

  /** Property names the facts schema lists here, sorted. */
  get names(): string[] {
    const names = new Set<string>();
    for (const node of this.nodes.filter(isObjectNode))
      if (isRecord(node.properties)) for (const name of Object.keys(node.properties)) names.add(name);
    return [...names].sort();
  }

  /** Some object here takes keys beyond its listed properties (a map such as `labels`). */
  get takesOtherNames(): boolean {
    return this.any || this.nodes.filter(isObjectNode).some((node) => node.additionalProperties !== false);
  }

  private childPath(name: string): string {
    const segment = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `[${JSON.stringify(name)}]`;
    return this.path === '' || segment.startsWith('[') ? `${this.path}${segment}` : `${this.path}.${segment}`;
  }

  /** The value of property `name` here; undefined when the facts can never have that property. */
  property(name: string): FactsLocation | undefined {
    if (this.any) return this.unchecked();
    const schemas: unknown[] = [];
    for (const node of this.nodes.filter(isObjectNode)) {
      const properties = isRecord(node.properties) ? node.properties : {};
      if (Object.hasOwn(properties, name)) {
        schemas.push(properties[name]);
        continue;
      }
      const patterns = patternsOf(node).filter(([regex]) => regex.test(name));
      for (const [, schema] of patterns) schemas.push(schema);
      if (patterns.length === 0 && node.additionalProperties !== false)
        schemas.push(node.additionalProperties ?? true);
    }
    return schemas.length > 0 ? FactsLocation.of(this.index, this.childPath(name), schemas) : undefined;
  }

  /** Every property value here whose name `regex` matches (for `patternProperties`); undefined for none. */
  propertiesMatching(regex: RegExp): FactsLocation | undefined {
    if (this.any) return this.unchecked();
    const schemas: unknown[] = [];
    for (const node of this.nodes.filter(isObjectNode)) {
      const properties = isRecord(node.properties) ? node.properties : {};
      for (const [name, schema] of Object.entries(properties)) if (regex.test(name)) schemas.push(schema);
      for (const [, schema] of patternsOf(node)) schemas.push(schema);
      if (node.additionalProperties !== false) schemas.push(node.additionalProperties ?? true);
    }
    return schemas.length > 0
      ? FactsLocation.of(this.index, `${this.path}[/${regex.source}/]`, schemas)
      : undefined;
  }

  /** Every property value here, whatever its name (for `additionalProperties` of a rule). */
  anyProperty(): FactsLocation {
    if (this.any) return this.unchecked();
    const schemas: unknown[] = [];
    for (const node of this.nodes.filter(isObjectNode)) {
      if (isRecord(node.properties)) schemas.push(...Object.values(node.properties));
      if (isRecord(node.patternProperties)) schemas.push(...Object.values(node.patternProperties));
      if (node.additionalProperties !== false) schemas.push(node.additionalProperties ?? true);
    }
    return FactsLocation.of(this.index, `${this.path}.*`, schemas);
  }

  /** The items of the arrays here; a location with no nodes when nothing here is an array. */
  items(): FactsLocation {
    if (this.any) return this.unchecked();
    const schemas: unknown[] = [];
    for (const node of this.nodes.filter(isArrayNode)) {
      if (Array.isArray(node.prefixItems)) schemas.push(...(node.prefixItems as unknown[]));
      schemas.push(node.items ?? true);
    }
    return FactsLocation.of(this.index, `${this.path}[]`, schemas);
  }

  /** What the facts hold here, for messages: `an array`, `a string or null`. */
  describe(): string {
    if (this.any) return 'anything';
    const types = new Set<string>();
    for (const node of this.nodes) {
      const listed = typesOf(node);
      if (listed.length > 0) for (const type of listed) types.add(type);
      else if (isObjectNode(node)) types.add('object');
      else if (isArrayNode(node)) types.add('array');
      else types.add('a fixed value');
    }
    if (types.size === 0) return 'never present';
    return [...types].map((type) => ARTICLE[type] ?? type).join(' or ');
  }
}
