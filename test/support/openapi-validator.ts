import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { isRecord } from '../../src/is-record.js';

/** What the contract needs of an HTTP answer. */
export interface ObservedResponse {
  status: number;
  headers: Headers;
  /** The raw body text. */
  text: string;
}

/** The document's own keywords: annotations to ajv, so strict mode accepts the whole document as a schema. */
const OPENAPI_ROOT_KEYWORDS = [
  'openapi',
  'jsonSchemaDialect',
  'info',
  'servers',
  'tags',
  'security',
  'paths',
  'components',
];

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

const DOCUMENT_ID = 'https://pushgate.test/openapi.json';

/** One JSON pointer segment, escaped (`~0`, `~1`) and made safe inside a URI fragment. */
function pointerSegment(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

function mediaTypeOf(headers: Headers): string | undefined {
  const value = headers.get('content-type');
  return value === null ? undefined : value.split(';')[0].trim().toLowerCase();
}

function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('; ');
}

/**
 * Checks observed responses against an OpenAPI 3.1 document: the status must be documented for
 * the operation, the documented required headers present and valid, the media type documented,
 * and the body valid against the response schema (ajv, draft 2020-12, `$ref`s resolved inside the
 * document). Records which operations and statuses were seen, so a test can prove it called every
 * route.
 */
export class OpenApiValidator {
  readonly #document: Record<string, unknown>;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #seen = new Map<string, Set<string>>();

  constructor(document: unknown) {
    if (!isRecord(document) || !isRecord(document.paths)) throw new Error('not an OpenAPI document');
    this.#document = document;
    this.#ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats.default(this.#ajv);
    this.#ajv.addVocabulary(OPENAPI_ROOT_KEYWORDS);
    // OpenAPI's hint for UIs; any string is one.
    this.#ajv.addFormat('password', true);
    this.#ajv.addSchema(document, DOCUMENT_ID);
  }

  /**
   * Structural problems no response would reveal: `$ref`s that resolve nowhere, path template
   * parameters not declared (or declared but not in the template), operations without responses.
   */
  lint(): string[] {
    const problems: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}/${i}`));
      if (!isRecord(node)) return;
      if (typeof node.$ref === 'string' && this.#resolveLocal(node.$ref) === undefined)
        problems.push(`${at}: $ref ${node.$ref} resolves nowhere`);
      for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`);
    };
    walk(this.#document, '#');
    for (const [template, item] of Object.entries(this.#document.paths as Record<string, unknown>)) {
      if (!isRecord(item)) continue;
      const inTemplate = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const method of METHODS) {
        const operation = item[method];
        if (!isRecord(operation)) continue;
        const declared = (Array.isArray(operation.parameters) ? operation.parameters : [])
          .filter((p): p is Record<string, unknown> => isRecord(p) && p.in === 'path')
          .map((p) => String(p.name))
          .sort();
        if (JSON.stringify(declared) !== JSON.stringify(inTemplate))
          problems.push(
            `${method.toUpperCase()} ${template}: path parameters ${declared.join(',')} ≠ ${inTemplate.join(',')}`,
          );
        if (!isRecord(operation.responses) || Object.keys(operation.responses).length === 0)
          problems.push(`${method.toUpperCase()} ${template}: no responses`);
      }
    }
    return problems;
  }

  /** Every documented operation as `METHOD /template`. */
  operations(): string[] {
    const paths = this.#document.paths as Record<string, unknown>;
    return Object.entries(paths).flatMap(([template, item]) =>
      isRecord(item)
        ? METHODS.filter((m) => isRecord(item[m])).map((m) => `${m.toUpperCase()} ${template}`)
        : [],
    );
  }

  /** Operations seen so far, each with the statuses seen. */
  seen(): Map<string, Set<string>> {
    return this.#seen;
  }

  /** The documented path template a concrete path matches: literal paths win over templated ones. */
  template(path: string): string | undefined {
    const paths = Object.keys(this.#document.paths as Record<string, unknown>);
    if (paths.includes(path)) return path;
    return paths.find((template) => {
      const pattern = template
        .split(/(\{[^}]+\})/)
        .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
        .join('');
      return new RegExp(`^${pattern}$`).test(path);
    });
  }

  /** Problems of `response` to `METHOD path` against the document; empty when it conforms. */
  check(method: string, path: string, response: ObservedResponse): string[] {
    const template = this.template(path.split('?')[0]);
    const what = `${method.toUpperCase()} ${path} → ${response.status}`;
    if (template === undefined) return [`${what}: no documented path matches`];
    const item = (this.#document.paths as Record<string, unknown>)[template];
    const operation = isRecord(item) ? item[method.toLowerCase()] : undefined;
    if (!isRecord(operation) || !isRecord(operation.responses))
      return [`${what}: ${method.toUpperCase()} ${template} is not documented`];
    const key = `${method.toUpperCase()} ${template}`;
    const statuses = this.#seen.get(key) ?? new Set<string>();
    this.#seen.set(key, statuses);
    statuses.add(String(response.status));

    const responses = operation.responses;
    const statusKey = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find(
      (k) => responses[k] !== undefined,
    );
    if (statusKey === undefined) {
      return [
        `${what}: status ${response.status} is not documented for ${key} (documented: ${Object.keys(responses).join(', ')})`,
      ];
    }
    let pointer = ['paths', template, method.toLowerCase(), 'responses', statusKey];
    let documented = responses[statusKey];
    // A response object may itself be a `$ref` to #/components/responses/<name>.
    if (isRecord(documented) && typeof documented.$ref === 'string') {
      const target = /^#\/components\/responses\/([^/]+)$/.exec(documented.$ref);
      const shared = isRecord(this.#document.components) ? this.#document.components.responses : undefined;
      documented = target && isRecord(shared) ? shared[target[1]] : undefined;
      if (!target || !isRecord(documented)) return [`${what}: unresolvable response $ref`];
      pointer = ['components', 'responses', target[1]];
    }
    if (!isRecord(documented)) return [`${what}: response object is not an object`];

    const problems: string[] = [];
    if (isRecord(documented.headers)) {
      for (const [name, header] of Object.entries(documented.headers)) {
        const resolved = this.#resolveHeader(header);
        const value = response.headers.get(name);
        if (value === null) {
          if (resolved.required === true) problems.push(`${what}: required header ${name} missing`);
          continue;
        }
        const headerPointer =
          isRecord(header) && typeof header.$ref === 'string'
            ? ['components', 'headers', header.$ref.split('/').pop() ?? '', 'schema']
            : [...pointer, 'headers', name, 'schema'];
        if (isRecord(resolved.schema)) {
          const validate = this.#validator(headerPointer);
          if (!validate(value)) problems.push(`${what}: header ${name}: ${describeErrors(validate)}`);
        }
      }
    }

    const content = isRecord(documented.content) ? documented.content : undefined;
    if (content === undefined) {
      if (response.text.length > 0) problems.push(`${what}: a body was sent but none is documented`);
      return problems;
    }
    const mediaType = mediaTypeOf(response.headers);
    if (mediaType === undefined || !isRecord(content[mediaType])) {
      problems.push(
        `${what}: media type ${String(mediaType)} is not documented (documented: ${Object.keys(content).join(', ')})`,
      );
      return problems;
    }
    const media = content[mediaType] as Record<string, unknown>;
    if (media.schema === undefined) return problems;
    let body: unknown = response.text;
    if (isJsonMediaType(mediaType)) {
      try {
        body = JSON.parse(response.text);
      } catch {
        problems.push(`${what}: body is not JSON: ${response.text.slice(0, 200)}`);
        return problems;
      }
    }
    const validate = this.#validator([...pointer, 'content', mediaType, 'schema']);
    if (!validate(body)) problems.push(`${what}: body: ${describeErrors(validate)}`);
    return problems;
  }

  /** The node a local `#/…` reference points at, or undefined. */
  #resolveLocal(ref: string): unknown {
    if (!ref.startsWith('#/')) return undefined;
    let node: unknown = this.#document;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isRecord(node) || !(key in node)) return undefined;
      node = node[key];
    }
    return node;
  }

  #resolveHeader(header: unknown): Record<string, unknown> {
    if (isRecord(header) && typeof header.$ref === 'string') {
      const name = header.$ref.split('/').pop() ?? '';
      const shared = isRecord(this.#document.components) ? this.#document.components.headers : undefined;
      const found = isRecord(shared) ? shared[name] : undefined;
      return isRecord(found) ? found : {};
    }
    return isRecord(header) ? header : {};
  }

  #validator(pointer: readonly string[]): ValidateFunction {
    const ref = `${DOCUMENT_ID}#/${pointer.map(pointerSegment).join('/')}`;
    let validate = this.#compiled.get(ref);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: ref });
      this.#compiled.set(ref, validate);
    }
    return validate;
  }
}
