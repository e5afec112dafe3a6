import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { isRecord } from '../is-record.js';
import { createPolicyAjv } from './create-policy-ajv.js';
import { RULE_SCHEMA_META_ID } from './build-rule-schema-meta.js';
import { FactsLocation } from './facts-location.js';
import { lintRuleSchema, type RuleSchemaVocabulary } from './lint-rule-schema.js';
import type { ImagePolicy, LoadedPolicy, PolicyProblem } from './types.js';
import { findYamlFiles } from './find-yaml-files.js';
import {
  formatKeyPath,
  locate,
  parseJsonPointer,
  pathAtOffset,
  position,
  type KeyPath,
} from './yaml-positions.js';

export const POLICY_SCHEMA = JSON.parse(
  readFileSync(new URL('./policy.schema.json', import.meta.url), 'utf8'),
) as {
  $id: string;
};

export interface ExpiredWaiver {
  policy: string;
  rule: string;
  expires: string;
  file: string;
  line: number;
}

export interface LoadPoliciesResult {
  /** Policies without any error; a policy with a problem is left out entirely. */
  policies: LoadedPolicy[];
  problems: PolicyProblem[];
  /** Waivers past their `expires` day: they no longer apply (lint should warn). */
  expiredWaivers: ExpiredWaiver[];
  /** sha256 (16 hex chars) over the canonical JSON of the loaded policies sorted by name. */
  version: string;
}

let factsRoot: FactsLocation | undefined;

/**
 * The published facts schema, which rule schemas are checked against. Read on first use, not at
 * import: `npm run gen:docs` runs the CLI while its shell has just truncated that very file.
 */
function publishedFacts(): FactsLocation {
  if (!factsRoot) {
    const text = readFileSync(new URL('../facts/facts.schema.json', import.meta.url), 'utf8');
    factsRoot = FactsLocation.root(JSON.parse(text) as Record<string, unknown>);
  }
  return factsRoot;
}

let policyValidator: ValidateFunction | undefined;

function validatePolicyDocument(): ValidateFunction {
  if (!policyValidator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    // Rule schemas are checked name by name below, with positions and suggestions; here the
    // editors' meta-schema is replaced by one that accepts any object, so each typo is reported once.
    ajv.addSchema({ $id: RULE_SCHEMA_META_ID });
    policyValidator = ajv.compile(POLICY_SCHEMA);
  }
  return policyValidator;
}

function vocabularyOf(ajv: Ajv2020): RuleSchemaVocabulary {
  return { keywords: new Set(Object.keys(ajv.RULES.keywords)), formats: new Set(Object.keys(ajv.formats)) };
}

interface Candidate {
  file: string;
  /** Passed explicitly (not found by walking a directory): every document must be an ImagePolicy. */
  explicit: boolean;
}

async function expandPaths(paths: string[], problems: PolicyProblem[]): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      problems.push(fileProblem(path, `cannot read policy path: ${(error as Error).message}`));
      continue;
    }
    if (!isDirectory) out.push({ file: path, explicit: true });
    else for (const file of await findYamlFiles(path)) out.push({ file, explicit: false });
  }
  return out;
}

function fileProblem(file: string, message: string): PolicyProblem {
  return { file, line: 1, column: 1, path: '', message, severity: 'error' };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function policySetVersion(policies: ImagePolicy[]): string {
  const sorted = [...policies].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  );
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex').slice(0, 16);
}

/** One parsed document, with what is needed to point problems at its source. */
class DocumentContext {
  readonly problems: PolicyProblem[] = [];

  constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    readonly lineCounter: LineCounter,
  ) {}

  /** Reports at the value of `path`, or at its key when `atKey`, falling back to the nearest existing ancestor. */
  report(
    path: KeyPath,
    message: string,
    options: { atKey?: boolean; severity?: 'error' | 'warning' } = {},
  ): void {
    const root = this.doc.contents as Node | null;
    const { value, key } = locate(root, path);
    const node = (options.atKey ? key : null) ?? value ?? key ?? root;
    const offset = node?.range?.[0] ?? 0;
    this.problems.push({
      file: this.file,
      ...position(this.lineCounter, offset),
      path: formatKeyPath(path),
      message,
      severity: options.severity ?? 'error',
    });
  }
}

function describeSchemaError(
  error: ErrorObject,
): { path: KeyPath; message: string; atKey: boolean } | undefined {
  const path = parseJsonPointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
      // The failing `then` branch reports its own, more precise error.
      return undefined;
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return { path: [...path, key], message: `unknown key '${key}'`, atKey: true };
    }
    case 'false schema': {
      const key = path[path.length - 1];
      return { path, message: `key '${String(key)}' is not allowed here`, atKey: true };
    }
    case 'required':
      return { path, message: `missing required key '${String(params.missingProperty)}'`, atKey: false };
    case 'const':
      return { path, message: `must be '${String(params.allowedValue)}'`, atKey: false };
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}`,
        atKey: false,
      };
    case 'pattern': {
      const what = path.includes('tag')
        ? 'a tag with only the placeholders {{tag}}, {{digest}} and {{policy}}'
        : path[path.length - 1] === 'digest'
          ? 'a digest sha256:<64 hex>'
          : 'kebab-case (lowercase letters, digits and single dashes)';
      return { path, message: `must be ${what}`, atKey: false };
    }
    case 'format':
      return { path, message: `must be a ${String(params.format)} (YYYY-MM-DD)`, atKey: false };
    default:
      return { path, message: error.message ?? 'is invalid', atKey: false };
  }
}

/** Finds the first key named `name` anywhere below `path` (for ajv compile errors that carry no location). */
function findKey(root: Node | null, path: KeyPath, name: string): KeyPath | undefined {
  const { value } = locate(root, path);
  const search = (node: unknown, at: KeyPath): KeyPath | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === name) return [...at, key];
        const found = search(pair.value, [...at, key ?? '?']);
        if (found) return found;
      }
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray(node.items)) {
      for (const [index, item] of node.items.entries()) {
        const found = search(item, [...at, index]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return search(value, path);
}

interface RuleChecker {
  ajv: Ajv2020;
  vocabulary: RuleSchemaVocabulary;
  facts: FactsLocation;
}

function checkRuleSchema(
  ctx: DocumentContext,
  checker: RuleChecker,
  schema: Record<string, unknown>,
  at: KeyPath,
): void {
  const { ajv } = checker;
  let valid = false;
  try {
    valid = ajv.validateSchema(schema) as boolean;
    for (const error of valid ? [] : (ajv.errors ?? [])) {
      ctx.report(
        [...at, ...parseJsonPointer(error.instancePath)],
        `invalid rule schema: ${error.message ?? 'is invalid'}`,
      );
    }
  } catch (error) {
    // e.g. a `$schema` ajv does not know
    ctx.report(at, `invalid rule schema: ${(error as Error).message}`);
  }
  // Every unknown facts name, keyword, format and bad regex at once: ajv's compile stops at the first.
  const found = lintRuleSchema(schema, checker.facts, checker.vocabulary);
  for (const problem of found)
    ctx.report([...at, ...problem.path], problem.message, { atKey: problem.atKey });
  if (!valid || found.some((problem) => problem.refused)) return;
  try {
    ajv.compile(schema);
  } catch (error) {
    // What the walk above does not look for (an unresolvable $ref…); compile reports only the first.
    const message = (error as Error).message;
    const root = ctx.doc.contents as Node | null;
    let where: KeyPath | undefined;
    const unknownKeyword = /unknown keyword: "([^"]+)"/.exec(message);
    const unknownFormat = /unknown format "([^"]+)" ignored in schema at path "#([^"]*)"/.exec(message);
    if (unknownKeyword) where = findKey(root, at, unknownKeyword[1]);
    else if (unknownFormat) where = [...at, ...parseJsonPointer(unknownFormat[2]), 'format'];
    ctx.report(where ?? at, `invalid rule schema: ${message}`);
  } finally {
    // Rules may carry `$id`s; without this a second load in the same ajv would see duplicates.
    if (typeof schema.$id === 'string') ajv.removeSchema(schema.$id);
  }
}

/**
 * `modes` is first match wins, so whatever follows an entry containing every image never applies:
 * almost certainly an ordering mistake, reported rather than silently ignored.
 */
function checkModes(ctx: DocumentContext, spec: Record<string, unknown>): void {
  if (!Array.isArray(spec.modes)) return;
  // Only a well-formed entry counts: `matches:` (a typo the schema reports) is no catch-all.
  const catchAll = (spec.modes as unknown[]).findIndex(
    (entry) =>
      isRecord(entry) &&
      Object.keys(entry).every((key) => key === 'mode' || key === 'match') &&
      (entry.match === undefined || (isRecord(entry.match) && Object.keys(entry.match).length === 0)),
  );
  if (catchAll === -1) return;
  const why = `spec.modes[${catchAll}] contains every image (no match), and the first entry that contains an image wins`;
  for (let index = catchAll + 1; index < spec.modes.length; index++)
    ctx.report(['spec', 'modes', index], `this entry never applies: ${why}`);
  if (spec.mode !== undefined) ctx.report(['spec', 'mode'], `'mode' never applies: ${why}`, { atKey: true });
}

/**
 * The checks beyond the policy JSON Schema. They also run on a document that failed it, on
 * whatever parts have the right shape, so one lint run reports every problem of a file.
 */
function checkPolicy(ctx: DocumentContext, document: Record<string, unknown>, checker: RuleChecker): void {
  const spec = isRecord(document.spec) ? document.spec : {};
  const rules = Array.isArray(spec.rules) ? (spec.rules as unknown[]) : [];
  const ruleIds = new Map<string, number>();
  rules.forEach((rule, index) => {
    if (!isRecord(rule)) return;
    if (typeof rule.id === 'string') {
      const first = ruleIds.get(rule.id);
      if (first !== undefined)
        ctx.report(
          ['spec', 'rules', index, 'id'],
          `duplicate rule id '${rule.id}' (first at spec.rules[${first}])`,
        );
      else ruleIds.set(rule.id, index);
    }
    if (isRecord(rule.schema)) checkRuleSchema(ctx, checker, rule.schema, ['spec', 'rules', index, 'schema']);
  });
  checkModes(ctx, spec);
  const waivers = Array.isArray(spec.waivers) ? (spec.waivers as unknown[]) : [];
  waivers.forEach((waiver, index) => {
    if (isRecord(waiver) && typeof waiver.rule === 'string' && !ruleIds.has(waiver.rule))
      ctx.report(['spec', 'waivers', index, 'rule'], `waiver names unknown rule '${waiver.rule}'`);
  });
}

/**
 * Loads ImagePolicy documents from files (single or multi-document YAML) and directories (recursively,
 * `*.yaml`/`*.yml`, sorted). In a directory only documents with `kind: ImagePolicy` count, so test cases
 * may live beside policies; a file passed explicitly must hold only ImagePolicy documents.
 * Never throws on bad input: every problem carries file, line, column and key path.
 */
export async function loadPolicies(
  paths: string[],
  options: { now?: Date } = {},
): Promise<LoadPoliciesResult> {
  const today = (options.now ?? new Date()).toISOString().slice(0, 10);
  const problems: PolicyProblem[] = [];
  const policies: LoadedPolicy[] = [];
  const expiredWaivers: ExpiredWaiver[] = [];
  const names = new Map<string, LoadedPolicy>();
  const validate = validatePolicyDocument();
  // The same options the evaluator compiles with, so lint and evaluation agree on what is valid.
  const ajv = createPolicyAjv();
  const checker: RuleChecker = {
    ajv,
    vocabulary: vocabularyOf(ajv),
    facts: publishedFacts(),
  };

  for (const { file, explicit } of await expandPaths(paths, problems)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      problems.push(fileProblem(file, `cannot read policy file: ${(error as Error).message}`));
      continue;
    }
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
    if (!Array.isArray(docs)) continue; // an empty stream holds no policies

    docs.forEach((doc, index) => {
      const ctx = new DocumentContext(file, doc, lineCounter);
      const root = doc.contents as Node | null;
      if (doc.errors.length > 0) {
        for (const error of doc.errors) {
          const offset = error.pos[0];
          problems.push({
            file,
            ...position(lineCounter, offset),
            path: formatKeyPath(pathAtOffset(root, offset)),
            message: `YAML syntax error: ${error.message}`,
            severity: 'error',
          });
        }
        return;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (error) {
        ctx.report([], `cannot read YAML document: ${(error as Error).message}`);
        problems.push(...ctx.problems);
        return;
      }
      if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
      const kind = (value as { kind?: unknown }).kind;
      if (!explicit && kind !== 'ImagePolicy') return;
      if (typeof kind === 'string' && kind !== 'ImagePolicy') {
        ctx.report(['kind'], `expected kind 'ImagePolicy', found '${kind}'`);
        problems.push(...ctx.problems);
        return;
      }

      const valid = validate(value);
      if (!valid) {
        for (const error of validate.errors ?? []) {
          const described = describeSchemaError(error);
          if (described) ctx.report(described.path, described.message, { atKey: described.atKey });
        }
      }
      if (isRecord(value)) checkPolicy(ctx, value, checker);
      if (valid) {
        const policy = value as ImagePolicy;
        const name = policy.metadata.name;
        const earlier = names.get(name);
        if (earlier) {
          ctx.report(
            ['metadata', 'name'],
            `duplicate policy name '${name}' (first defined at ${earlier.source.file}:${earlier.source.line}:${earlier.source.column})`,
          );
        }
        if (ctx.problems.length === 0) {
          const loaded: LoadedPolicy = {
            policy,
            source: { file, document: index, ...position(lineCounter, root?.range?.[0] ?? 0) },
          };
          names.set(name, loaded);
          policies.push(loaded);
          (policy.spec.waivers ?? []).forEach((waiver, w) => {
            if (waiver.expires < today) {
              const line = locate(root, ['spec', 'waivers', w, 'expires']).value?.range?.[0] ?? 0;
              expiredWaivers.push({
                policy: name,
                rule: waiver.rule,
                expires: waiver.expires,
                file,
                line: position(lineCounter, line).line,
              });
            }
          });
        }
      }
      problems.push(...dedupe(ctx.problems).sort((a, b) => a.line - b.line || a.column - b.column));
    });
  }

  return { policies, problems, expiredWaivers, version: policySetVersion(policies.map((p) => p.policy)) };
}

function dedupe(problems: PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
