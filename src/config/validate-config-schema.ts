import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isRecord } from '../is-record.js';
import { parseJsonPointer } from '../policy/yaml-positions.js';
import type { ConfigProblem } from './config-problem.js';

/** config.schema.json: the document `pushgate.yaml` must be, before defaults are filled in. */
export const CONFIG_SCHEMA = JSON.parse(
  readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8'),
) as {
  $id: string;
  properties: Record<string, unknown>;
  $defs: Record<string, unknown>;
};

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    // verbose: errors carry their parentSchema, whose `x-hint` says what a pattern means.
    const ajv = new Ajv2020({
      allErrors: true,
      useDefaults: true,
      strict: true,
      discriminator: true,
      verbose: true,
    });
    ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
    validator = ajv.compile(CONFIG_SCHEMA);
  }
  return validator;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(type: unknown): string {
  const names: Record<string, string> = { object: 'mapping', array: 'list' };
  const list = Array.isArray(type) ? type : [type];
  return list.map((t) => article(names[String(t)] ?? String(t))).join(' or ');
}

/** An ajv error as a problem in the user's terms; undefined for errors another one already explains. */
function toProblem(error: ErrorObject, interpolated: ReadonlySet<string>): ConfigProblem | undefined {
  const path = parseJsonPointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const parent = isRecord(error.parentSchema) ? error.parentSchema : {};
  switch (error.keyword) {
    case 'required':
      return { path: [...path, String(params.missingProperty)], message: 'is required' };
    case 'additionalProperties': {
      const allowed = isRecord(parent.properties) ? Object.keys(parent.properties) : [];
      return {
        path: [...path, String(params.additionalProperty)],
        message: `unknown key${allowed.length > 0 ? ` (expected one of: ${allowed.join(', ')})` : ''}`,
      };
    }
    case 'type': {
      const hint = interpolated.has(error.instancePath)
        ? ' (the value from the environment could not be read as one)'
        : params.type === 'string'
          ? ' (quote it in YAML)'
          : '';
      return { path, message: `must be ${typeName(params.type)}${hint}` };
    }
    case 'enum':
      return {
        path,
        message: `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
      };
    case 'const':
      return { path, message: `must be ${String(params.allowedValue)}` };
    case 'pattern':
      return {
        path,
        message:
          typeof parent['x-hint'] === 'string'
            ? `must be ${parent['x-hint']}`
            : `must match the pattern ${String(params.pattern)}`,
      };
    case 'minLength':
      return {
        path,
        message:
          params.limit === 1
            ? 'must not be empty'
            : `must be at least ${String(params.limit)} characters long`,
      };
    case 'minItems':
      return {
        path,
        message: `must have at least ${String(params.limit)} ${params.limit === 1 ? 'entry' : 'entries'}`,
      };
    case 'uniqueItems':
      return {
        path,
        message: `must not repeat an entry (entries ${String(params.j)} and ${String(params.i)} are equal)`,
      };
    case 'discriminator':
      // A missing or unknown `type` is already reported by `required` or `enum` on the same object.
      return undefined;
    case 'oneOf':
    case 'if':
      // The failing branch reports what is wrong; "must match the else schema" adds nothing.
      return undefined;
    default:
      return { path, message: error.message ?? `fails ${error.keyword}` };
  }
}

function coercible(text: string, type: unknown): { ok: true; value: unknown } | { ok: false } {
  const trimmed = text.trim();
  if (
    (type === 'integer' && /^-?\d+$/.test(trimmed)) ||
    (type === 'number' && /^-?\d+(\.\d+)?$/.test(trimmed))
  ) {
    return { ok: true, value: Number(trimmed) };
  }
  if (type === 'boolean') {
    const lower = trimmed.toLowerCase();
    if (lower === 'true' || lower === '1') return { ok: true, value: true };
    if (lower === 'false' || lower === '0') return { ok: true, value: false };
  }
  return { ok: false };
}

function setAt(root: unknown, pointer: string, value: unknown): void {
  const path = parseJsonPointer(pointer);
  let node = root;
  for (const segment of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[segment];
  (node as Record<string | number, unknown>)[path[path.length - 1]] = value;
}

/**
 * Validates `raw` against config.schema.json and fills in every default (in place). Values that
 * came from `${VAR}` are strings; where the schema wants a number or boolean and the text reads as
 * one (`8080`, `true`, `0`), it is converted and the document validated again.
 */
export function validateConfigSchema(
  raw: unknown,
  interpolated: ReadonlySet<string> = new Set(),
): ConfigProblem[] {
  const validate = compiled();
  if (validate(raw)) return [];
  let errors = validate.errors ?? [];
  let coerced = false;
  for (const error of errors) {
    if (error.keyword !== 'type' || !interpolated.has(error.instancePath)) continue;
    const value: unknown = error.data;
    if (typeof value !== 'string') continue;
    const converted = coercible(value, (error.params as { type?: unknown }).type);
    if (!converted.ok) continue;
    setAt(raw, error.instancePath, converted.value);
    coerced = true;
  }
  if (coerced) {
    if (validate(raw)) return [];
    errors = validate.errors ?? [];
  }
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const problem = toProblem(error, interpolated);
    if (!problem) continue;
    const key = `${JSON.stringify(problem.path)} ${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function resolveRef(schema: Record<string, unknown>): Record<string, unknown> {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  const target = CONFIG_SCHEMA.$defs[ref.slice('#/$defs/'.length)];
  return isRecord(target) ? resolveRef(target) : schema;
}

function reorder(value: unknown, schema: Record<string, unknown>): unknown {
  const resolved = resolveRef(schema);
  if (Array.isArray(value)) {
    const items = isRecord(resolved.items) ? resolved.items : {};
    return value.map((item) => reorder(item, items));
  }
  if (!isRecord(value)) return value;
  const properties = isRecord(resolved.properties) ? resolved.properties : {};
  const out: Record<string, unknown> = {};
  const keys = [...Object.keys(properties).filter((key) => key in value), ...Object.keys(value)];
  for (const key of new Set(keys)) {
    const child = properties[key];
    out[key] = reorder(value[key], isRecord(child) ? child : {});
  }
  return out;
}

/**
 * A copy of a validated document with keys in the schema's order at every level, so
 * `config show` and startup logs read the same way whatever order the file used.
 */
export function orderLikeSchema<T>(value: T): T {
  return reorder(value, CONFIG_SCHEMA as unknown as Record<string, unknown>) as T;
}
