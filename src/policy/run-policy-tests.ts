import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ImageFacts } from '../facts/image-facts.js';
import { isRecord } from '../is-record.js';
import { compilePolicies, type CompiledPolicy } from './compile-policies.js';
import { evaluate, type EvaluationTarget } from './evaluate.js';
import { loadPolicies } from './load-policies.js';
import type { PolicyResult, Verdict } from './types.js';
import { findYamlFiles } from './find-yaml-files.js';

export interface PolicyTestResult {
  /** The PolicyTest file (or the path that held none). */
  file: string;
  /** The case name; empty for a problem with the file itself. */
  case: string;
  /** The policy (or policies, comma-separated) the expectation was checked against. */
  policy: string;
  /** Set when the expectation names a rule id. */
  rule?: string;
  expected: string;
  actual: string;
  ok: boolean;
  /** Why the case could not run, or the violation messages behind an unexpected `fail`. */
  message?: string;
}

export interface PolicyTestRun {
  results: PolicyTestResult[];
  passed: number;
  failed: number;
}

export interface RunPolicyTestsOptions {
  /** Clock for waiver expiry, so cases about waivers stay reproducible. */
  now?: Date;
}

/** Where a case is evaluated when it names no target: a production repository, the strictest scope. */
export const DEFAULT_TEST_TARGET = {
  registry: 'registry.example.com',
  repository: 'prod/app',
  tag: '1.0',
} as const;

const RULE_RESULTS = new Set(['pass', 'fail', 'skip', 'error']);
const POLICY_RESULTS = new Set(['pass', 'fail', 'warn', 'error', 'skip']);
const DECISIONS = new Set(['pass', 'reject', 'tag', 'warn', 'error']);
/** For `policy:` over several documents (e.g. a folder holding two policies): the strongest applies. */
const RESULT_RANK: Record<PolicyResult, number> = { error: 4, fail: 3, warn: 2, pass: 1, skip: 0 };

interface TestFile {
  file: string;
  doc: Record<string, unknown>;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function problem(file: string, message: string, testCase = ''): PolicyTestResult {
  return { file, case: testCase, policy: '', expected: 'runnable', actual: 'error', ok: false, message };
}

/** The PolicyTest documents under `paths`; in directories other YAML (the policies themselves) is skipped. */
async function findTestFiles(paths: string[], out: PolicyTestResult[]): Promise<TestFile[]> {
  const found: TestFile[] = [];
  for (const path of paths) {
    let files: string[];
    let explicit: boolean;
    try {
      explicit = !(await stat(path)).isDirectory();
      files = explicit ? [path] : await findYamlFiles(path);
    } catch (error) {
      out.push(problem(path, `cannot read policy test path: ${describe(error)}`));
      continue;
    }
    const before = found.length;
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        out.push(problem(file, `cannot read policy test file: ${describe(error)}`));
        continue;
      }
      const docs = parseAllDocuments(text);
      for (const doc of Array.isArray(docs) ? docs : []) {
        if (doc.errors.length > 0) {
          // In a directory a broken file may be a policy: `policy lint` reports those.
          if (explicit || /kind:\s*PolicyTest/.test(text))
            out.push(problem(file, `YAML syntax error: ${doc.errors[0].message}`));
          continue;
        }
        let value: unknown;
        try {
          value = doc.toJS({ maxAliasCount: 100 });
        } catch (error) {
          out.push(problem(file, `cannot read YAML document: ${describe(error)}`));
          continue;
        }
        if (isRecord(value) && value.kind === 'PolicyTest') found.push({ file, doc: value });
        else if (explicit && value !== null && value !== undefined)
          out.push(problem(file, `expected kind 'PolicyTest' in a policy test file`));
      }
    }
    if (found.length === before && !explicit) out.push(problem(path, 'no PolicyTest files found'));
  }
  return found;
}

/** `policies:` (relative to the test file) or else `policy.yaml` beside the test file or one folder up. */
async function policyFilesFor(test: TestFile): Promise<string[] | string> {
  const dir = dirname(test.file);
  if (test.doc.policies !== undefined) {
    const list = test.doc.policies;
    if (!Array.isArray(list) || !list.every((p): p is string => typeof p === 'string'))
      return '`policies` must be a list of paths relative to the test file';
    return list.map((p) => resolve(dir, p));
  }
  for (const candidate of [join(dir, 'policy.yaml'), join(dirname(dir), 'policy.yaml')]) {
    try {
      if ((await stat(candidate)).isFile()) return [candidate];
    } catch {
      // not there: try the next place
    }
  }
  return `no policy.yaml beside ${test.file} or in its parent folder (or name them with \`policies:\`)`;
}

function targetFor(raw: unknown, facts: ImageFacts, platform?: string): EvaluationTarget | string {
  if (raw !== undefined && !isRecord(raw))
    return '`target` must be a mapping of registry, repository, tag, platform, namespace';
  const given = raw ?? {};
  for (const key of Object.keys(given)) {
    if (!['registry', 'repository', 'tag', 'platform', 'namespace'].includes(key))
      return `unknown target key '${key}'`;
    if (typeof given[key] !== 'string') return `target.${key} must be a string`;
  }
  const rawImage: unknown = facts.image;
  const image: Record<string, unknown> = isRecord(rawImage) ? rawImage : {};
  const registry = (given.registry as string | undefined) ?? DEFAULT_TEST_TARGET.registry;
  const repository = (given.repository as string | undefined) ?? DEFAULT_TEST_TARGET.repository;
  const tag = (given.tag as string | undefined) ?? DEFAULT_TEST_TARGET.tag;
  const namespace = given.namespace as string | undefined;
  return {
    digest: typeof image.configDigest === 'string' ? image.configDigest : `sha256:${'0'.repeat(64)}`,
    image: `${registry}/${repository}:${tag}`,
    registry,
    repository,
    tag,
    platform:
      (given.platform as string | undefined) ??
      platform ??
      (typeof image.platform === 'string' ? image.platform : 'linux/amd64'),
    // Without it the case is a push: `namespaces` scopes are as if not written.
    ...(namespace !== undefined ? { namespace } : {}),
  };
}

function failureMessages(verdict: Verdict, names: Set<string>, rule?: string): string | undefined {
  const lines: string[] = [];
  for (const policy of verdict.policies) {
    if (!names.has(policy.name)) continue;
    if (policy.error) lines.push(`${policy.name}: ${policy.error}`);
    for (const v of policy.violations)
      if (!v.waived && (rule === undefined || v.rule === rule))
        lines.push(`${policy.name}/${v.rule}: ${v.message}`);
  }
  return lines.length > 0 ? lines.join('; ') : undefined;
}

/** The actual result for one expectation key: `policy`, `decision`, a policy name, or a rule id. */
function actualFor(
  key: string,
  verdict: Verdict,
  compiled: CompiledPolicy[],
): { policy: string; rule?: string; actual: string; names: Set<string> } | string {
  if (key === 'decision') return { policy: '*', actual: verdict.decision, names: new Set() };
  if (key === 'policy') {
    let best: PolicyResult = 'skip';
    for (const p of verdict.policies) if (RESULT_RANK[p.result] > RESULT_RANK[best]) best = p.result;
    const names = new Set(verdict.policies.map((p) => p.name));
    return { policy: [...names].join(','), actual: best, names };
  }
  const byName = verdict.policies.find((p) => p.name === key);
  if (byName) return { policy: key, actual: byName.result, names: new Set([key]) };

  const owners = compiled.filter((c) => c.policy.spec.rules.some((r) => r.id === key));
  if (owners.length === 0) return `'${key}' is neither a rule id, a policy name, 'policy' nor 'decision'`;
  const applied = verdict.policies.filter(
    (p) => p.result !== 'skip' && owners.some((o) => o.policy.metadata.name === p.name),
  );
  const names = new Set(applied.map((p) => p.name));
  const policy = owners.map((o) => o.policy.metadata.name).join(',');
  if (applied.length === 0) return { policy, rule: key, actual: 'skip', names };
  const failed = applied.some((p) => p.violations.some((v) => v.rule === key && !v.waived));
  const errored = applied.some((p) => p.result === 'error');
  const actual = failed ? 'fail' : errored ? 'error' : 'pass';
  return { policy: [...names].join(','), rule: key, actual, names };
}

async function runCase(
  test: TestFile,
  raw: unknown,
  index: number,
  compiled: CompiledPolicy[],
  version: string,
  now: Date,
): Promise<PolicyTestResult[]> {
  const file = test.file;
  if (!isRecord(raw)) return [problem(file, `cases[${index}] must be a mapping`)];
  const name = typeof raw.name === 'string' ? raw.name : `cases[${index}]`;
  if (typeof raw.facts !== 'string') return [problem(file, '`facts` must be a path to a JSON file', name)];
  if (!isRecord(raw.expect) || Object.keys(raw.expect).length === 0)
    return [problem(file, '`expect` must map rule ids (or policy, decision) to results', name)];

  const factsPath = resolve(dirname(file), raw.facts);
  let documents: FactsDocument[];
  try {
    const parsed: unknown = JSON.parse(await readFile(factsPath, 'utf8'));
    documents = factsDocuments(parsed, raw.target);
  } catch (error) {
    return [problem(file, `reading facts ${factsPath}: ${describe(error)}`, name)];
  }
  const results: PolicyTestResult[] = [];
  for (const document of documents) {
    // A report with several platforms runs the case once per platform, each named by its platform.
    const label = documents.length > 1 ? `${name} (${document.platform})` : name;
    results.push(...judgeCase(test, raw, label, document, compiled, version, now));
  }
  return results;
}

interface FactsDocument {
  facts: ImageFacts;
  /** The platform the document came from, for a `scan -f json` report. */
  platform?: string;
}

/**
 * A fixture is a facts document (`.platforms[i].facts` of a report) or a whole `scan -f json`
 * report: then each platform's facts are used, or only the one `target.platform` names.
 */
function factsDocuments(parsed: unknown, target: unknown): FactsDocument[] {
  if (!isRecord(parsed)) throw new Error('the facts document is not a JSON object');
  if (!('platforms' in parsed) || !('schemaVersion' in parsed))
    return [{ facts: parsed as unknown as ImageFacts }];
  const platforms = Array.isArray(parsed.platforms) ? parsed.platforms.filter(isRecord) : [];
  const all = platforms
    .filter((p) => isRecord(p.facts))
    .map((p) => ({
      facts: p.facts as unknown as ImageFacts,
      platform: typeof p.platform === 'string' ? p.platform : 'unknown',
    }));
  if (all.length === 0) throw new Error('a scan report without platforms[].facts');
  const wanted = isRecord(target) && typeof target.platform === 'string' ? target.platform : undefined;
  if (wanted === undefined) return all;
  const chosen = all.filter((p) => p.platform === wanted);
  if (chosen.length === 0)
    throw new Error(`the report has no platform ${wanted} (it has ${all.map((p) => p.platform).join(', ')})`);
  return chosen;
}

function judgeCase(
  test: TestFile,
  raw: Record<string, unknown>,
  name: string,
  document: FactsDocument,
  compiled: CompiledPolicy[],
  version: string,
  now: Date,
): PolicyTestResult[] {
  const file = test.file;
  const { facts } = document;
  const target = targetFor(raw.target, facts, document.platform);
  if (typeof target === 'string') return [problem(file, target, name)];

  const verdict = evaluate(compiled, facts, target, { now, policySetVersion: version });
  const results: PolicyTestResult[] = [];
  for (const [key, expectedRaw] of Object.entries(raw.expect as Record<string, unknown>)) {
    const expected = String(expectedRaw);
    const found = actualFor(key, verdict, compiled);
    if (typeof found === 'string') {
      results.push({ ...problem(file, found, name), expected, actual: 'unknown' });
      continue;
    }
    const allowed = key === 'decision' ? DECISIONS : found.rule ? RULE_RESULTS : POLICY_RESULTS;
    const ok = allowed.has(expected) && expected === found.actual;
    const result: PolicyTestResult = {
      file,
      case: name,
      policy: found.policy,
      ...(found.rule ? { rule: found.rule } : {}),
      expected,
      actual: found.actual,
      ok,
    };
    if (!allowed.has(expected)) result.message = `expected must be one of ${[...allowed].join(', ')}`;
    else if (!ok) {
      const why = failureMessages(verdict, found.names, found.rule);
      if (why) result.message = why;
    }
    results.push(result);
  }
  return results;
}

/**
 * Runs `kind: PolicyTest` files (like `kyverno test`): each case evaluates the folder's policies
 * against a facts fixture in a target scope and compares the result per rule id, per policy name,
 * for all the folder's policies together (`policy`) or the image decision (`decision`).
 * Never throws on bad input: an unreadable file or case is a failed result with a message.
 */
export async function runPolicyTests(
  paths: string[],
  options: RunPolicyTestsOptions = {},
): Promise<PolicyTestRun> {
  const now = options.now ?? new Date();
  const results: PolicyTestResult[] = [];
  for (const test of await findTestFiles(paths, results)) {
    const files = await policyFilesFor(test);
    if (typeof files === 'string') {
      results.push(problem(test.file, files));
      continue;
    }
    const loaded = await loadPolicies(files, { now });
    if (loaded.problems.length > 0) {
      for (const p of loaded.problems)
        results.push(problem(test.file, `policy ${p.file}:${p.line}:${p.column}: ${p.path} ${p.message}`));
      continue;
    }
    const cases = test.doc.cases;
    if (!Array.isArray(cases) || cases.length === 0) {
      results.push(problem(test.file, '`cases` must be a non-empty list'));
      continue;
    }
    const compiled = compilePolicies(loaded.policies);
    for (const [index, raw] of cases.entries())
      results.push(...(await runCase(test, raw, index, compiled, loaded.version, now)));
  }
  const passed = results.filter((r) => r.ok).length;
  return { results, passed, failed: results.length - passed };
}
