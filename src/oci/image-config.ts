import { jsonSyntaxProblem } from '../json-syntax.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { PushgateError } from '../errors.js';
import { isRecord } from '../is-record.js';
import { validate as generatedValidator } from './image-config-validator.generated.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from './types.js';

/**
 * The one way pushgate reads an image config blob: JSON → nesting check → ajv against
 * `image-config.schema.json` (what pushgate reads, typed the way Go decodes it) → a normalised
 * copy in which every JSON null has become "absent" or empty, as in Go. Nothing downstream
 * touches the raw JSON, so a `history: [null]` or an `Env` holding null cannot crash fact
 * gathering, and a config Docker itself would refuse ends in MANIFEST_INVALID.
 */

/** Go's encoding/json refuses documents nested deeper than this (maxNestingDepth). */
export const MAX_JSON_DEPTH = 10_000;

/**
 * ajv's code for image-config.schema.json, generated ahead of time (`npm run gen:validators`;
 * a test fails when it is stale): every scan reads a config, and loading ajv and compiling the
 * schema cost more than the rest of a small scan's start-up.
 */
const validator = generatedValidator as unknown as ValidateFunction;
function validate(json: unknown): ErrorObject[] | undefined {
  return validator(json) ? undefined : (validator.errors ?? []);
}

export function parseImageConfig(body: Buffer): ImageConfig {
  const text = body.toString('utf8');
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new PushgateError(
      'MANIFEST_INVALID',
      `image config is nested ${depth} levels deep, more than the ${MAX_JSON_DEPTH} Docker accepts`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PushgateError('MANIFEST_INVALID', `image config is not valid JSON: ${jsonSyntaxProblem(err)}`);
  }
  if (!isRecord(json)) throw new PushgateError('MANIFEST_INVALID', 'image config is not a JSON object');
  const errors = validate(json);
  if (errors)
    throw new PushgateError('MANIFEST_INVALID', `image config is malformed: ${describe(errors, json)}`);
  return normalise(json as RawConfig);
}

/** Deepest nesting of arrays and objects in a JSON text, counted without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function describe(errors: readonly ErrorObject[], json: unknown): string {
  const first = errors[0];
  if (first === undefined) return 'does not match what Docker accepts';
  const path = first.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    // Keys come from the image: cap each, so a megabyte-long label name stays out of logs and Redis.
    .map((p) => (p.length > 100 ? `${p.slice(0, 100)}…` : p))
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${JSON.stringify(p).slice(1, -1)}`))
    .join('')
    .replace(/^\./, '');
  const found = kindOf(valueAt(json, first.instancePath));
  const expected =
    first.keyword === 'type'
      ? `must be ${String((first.params as { type: string | string[] }).type).replace(',', ' or ')}`
      : (first.message ?? 'is not valid');
  // The value itself is not quoted: it came from the image and may hold a secret or control bytes.
  return `${path || 'the document'} ${expected}, found ${found} (Docker refuses such a config too)`;
}

function valueAt(json: unknown, pointer: string): unknown {
  let node = json;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isRecord(node)) node = node[key];
    else return undefined;
  }
  return node;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}

type Nullable<T> = { [K in keyof T]?: T[K] | null };
interface RawConfig {
  architecture?: string | null;
  os?: string | null;
  variant?: string | null;
  'os.version'?: string | null;
  created?: string | null;
  author?: string | null;
  config?: RawContainerConfig | null;
  rootfs?: { type?: string | null; diff_ids?: string[] | null } | null;
  history?: Array<Nullable<HistoryEntry> | null> | null;
}
interface RawContainerConfig {
  User?: string | null;
  Env?: Array<string | null> | null;
  Entrypoint?: Array<string | null> | null;
  Cmd?: Array<string | null> | null;
  ExposedPorts?: Record<string, object | null> | null;
  Volumes?: Record<string, object | null> | null;
  WorkingDir?: string | null;
  Labels?: Record<string, string | null> | null;
  StopSignal?: string | null;
  Healthcheck?: Nullable<NonNullable<ContainerConfig['Healthcheck']>> & {
    Test?: Array<string | null> | null;
  };
}

/** Copies only what pushgate reads, with Go's reading of null: a null string is "", a null list empty. */
function normalise(raw: RawConfig): ImageConfig {
  const config: ImageConfig = { config: containerConfig(raw.config ?? {}), history: [] };
  for (const key of ['architecture', 'os', 'variant', 'os.version', 'created', 'author'] as const) {
    const value = raw[key];
    if (typeof value === 'string') config[key] = value;
  }
  if (raw.rootfs != null) {
    config.rootfs = { type: raw.rootfs.type ?? '', diff_ids: [...(raw.rootfs.diff_ids ?? [])] };
  }
  config.history = (raw.history ?? []).map((entry) => historyEntry(entry ?? {}));
  return config;
}

function historyEntry(raw: Nullable<HistoryEntry>): HistoryEntry {
  const entry: HistoryEntry = {};
  for (const key of ['created', 'created_by', 'author', 'comment'] as const) {
    const value = raw[key];
    if (typeof value === 'string') entry[key] = value;
  }
  if (raw.empty_layer === true) entry.empty_layer = true;
  return entry;
}

function containerConfig(raw: RawContainerConfig): ContainerConfig {
  const c: ContainerConfig = {};
  for (const key of ['User', 'WorkingDir', 'StopSignal'] as const) {
    const value = raw[key];
    if (typeof value === 'string') c[key] = value;
  }
  if (raw.Env != null) c.Env = strings(raw.Env);
  // Entrypoint and Cmd keep Go's nil-versus-empty distinction: null means "not set".
  if (raw.Entrypoint != null) c.Entrypoint = strings(raw.Entrypoint);
  if (raw.Cmd != null) c.Cmd = strings(raw.Cmd);
  if (raw.ExposedPorts != null) c.ExposedPorts = keysOf(raw.ExposedPorts);
  if (raw.Volumes != null) c.Volumes = keysOf(raw.Volumes);
  if (raw.Labels != null) {
    c.Labels = Object.fromEntries(Object.entries(raw.Labels).map(([name, value]) => [name, value ?? '']));
  }
  const hc = raw.Healthcheck;
  if (hc != null) {
    c.Healthcheck = {};
    if (hc.Test != null) c.Healthcheck.Test = strings(hc.Test);
    for (const key of ['Interval', 'Timeout', 'StartPeriod', 'Retries'] as const) {
      const value = hc[key];
      if (typeof value === 'number') c.Healthcheck[key] = value;
    }
  }
  return c;
}

function strings(list: ReadonlyArray<string | null>): string[] {
  return list.map((s) => s ?? '');
}

function keysOf(set: Record<string, unknown>): Record<string, Record<string, never>> {
  return Object.fromEntries(Object.keys(set).map((key) => [key, {}]));
}
