import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicies } from '../../../src/policy/load-policies.js';
import type { PolicyProblem } from '../../../src/policy/types.js';
import { tempDir } from '../../support/temp-dir.js';

const FIXTURES = 'test/fixtures/policies';
const NOW = new Date('2026-07-01T12:00:00Z');

/** `file:line:col path: message`, the form lint prints, so expectations read like its output. */
function located(problems: PolicyProblem[]): string[] {
  return problems.map(
    (p) => `${p.file.slice(FIXTURES.length + 1)}:${p.line}:${p.column} ${p.path}: ${p.message}`,
  );
}

async function problemsOf(file: string): Promise<string[]> {
  const result = await loadPolicies([join(FIXTURES, file)], { now: NOW });
  expect(result.policies).toEqual([]);
  expect(result.problems.every((p) => p.severity === 'error')).toBe(true);
  return located(result.problems);
}

describe('loadPolicies: good input', () => {
  it('loads every document of a multi-document file, with its source position', async () => {
    const result = await loadPolicies([join(FIXTURES, 'good-multi.yaml')], { now: NOW });
    expect(result.problems).toEqual([]);
    expect(result.expiredWaivers).toEqual([]);
    expect(result.policies.map((p) => [p.policy.metadata.name, p.source])).toEqual([
      ['no-build-toolchain', { file: join(FIXTURES, 'good-multi.yaml'), document: 0, line: 2, column: 1 }],
      ['non-root', { file: join(FIXTURES, 'good-multi.yaml'), document: 1, line: 27, column: 1 }],
    ]);
    const first = result.policies[0].policy;
    expect(first.spec.onFail).toEqual({ action: 'tag', tag: '{{tag}}-quarantined' });
    expect(first.spec.rules[0].schema).toEqual({ properties: { compilers: { maxItems: 0 } } });
    // YAML 1.2: a bare date stays a string, as the Waiver type says.
    expect(first.spec.waivers?.[0].expires).toBe('2099-03-01');
    expect(result.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('walks a directory recursively, sorted, taking only ImagePolicy documents from *.yaml/*.yml', async () => {
    const result = await loadPolicies([join(FIXTURES, 'dir')], { now: NOW });
    expect(result.problems).toEqual([]);
    expect(result.policies.map((p) => [p.policy.metadata.name, p.source.file])).toEqual([
      ['policy-a', join(FIXTURES, 'dir/a.yaml')],
      ['policy-b', join(FIXTURES, 'dir/sub/b.yml')],
    ]);
  });

  it('rejects a non-ImagePolicy document when its file is passed explicitly', async () => {
    expect(await problemsOf('dir/tests/case.yaml')).toEqual([
      "dir/tests/case.yaml:2:7 kind: expected kind 'ImagePolicy', found 'PolicyTest'",
    ]);
  });
});

describe('loadPolicies: bad input names file:line:col and key path', () => {
  it('YAML syntax errors', async () => {
    // Written at test time: prettier cannot format a file that does not parse.
    const dir = await tempDir();
    try {
      const file = join(dir.path, 'syntax.yaml');
      await writeFile(
        file,
        'apiVersion: pushgate.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: broken\nspec:\n  rules: [ { id: a,\n',
      );
      const result = await loadPolicies([file], { now: NOW });
      expect(result.policies).toEqual([]);
      expect(result.problems.length).toBeGreaterThan(0);
      expect(result.problems[0]).toMatchObject({
        file,
        line: 7,
        column: 1,
        path: 'spec.rules[0]',
        severity: 'error',
      });
      expect(result.problems[0].message).toMatch(
        /^YAML syntax error: Flow map .* must be sufficiently indented/,
      );
    } finally {
      await dir.remove();
    }
  });

  it('duplicate keys', async () => {
    expect(await problemsOf('bad/duplicate-key.yaml')).toEqual([
      'bad/duplicate-key.yaml:5:3 metadata.name: YAML syntax error: Map keys must be unique',
    ]);
  });

  it('unknown keys, at the key itself', async () => {
    expect(await problemsOf('bad/unknown-key.yaml')).toEqual([
      "bad/unknown-key.yaml:11:7 spec.rules[0].sevrity: unknown key 'sevrity'",
      "bad/unknown-key.yaml:12:3 spec.onFial: unknown key 'onFial'",
    ]);
  });

  it('schema violations, at the offending value', async () => {
    expect(await problemsOf('bad/schema-violation.yaml')).toEqual([
      "bad/schema-violation.yaml:1:13 apiVersion: must be 'pushgate.dev/v1'",
      'bad/schema-violation.yaml:4:9 metadata.name: must be kebab-case (lowercase letters, digits and single dashes)',
      "bad/schema-violation.yaml:6:9 spec.mode: must be one of 'enforce', 'audit'",
      "bad/schema-violation.yaml:7:11 spec.onFail: missing required key 'tag'",
      "bad/schema-violation.yaml:9:7 spec.rules[0]: missing required key 'message'",
      "bad/schema-violation.yaml:10:17 spec.rules[0].severity: must be one of 'critical', 'high', 'medium', 'low', 'info'",
      'bad/schema-violation.yaml:14:16 spec.waivers[0].expires: must be a date (YYYY-MM-DD)',
    ]);
  });

  it('modes entries: unknown keys, bad modes, a missing mode', async () => {
    expect(await problemsOf('bad/modes-schema.yaml')).toEqual([
      "bad/modes-schema.yaml:7:7 spec.modes[0].matches: unknown key 'matches'",
      "bad/modes-schema.yaml:10:13 spec.modes[1].mode: must be one of 'enforce', 'audit'",
      "bad/modes-schema.yaml:11:7 spec.modes[2]: missing required key 'mode'",
      "bad/modes-schema.yaml:11:16 spec.modes[2].match.repository: unknown key 'repository'",
    ]);
  });

  it('modes entries after one that contains every image, and a mode beside it, never apply', async () => {
    const why =
      'spec.modes[1] contains every image (no match), and the first entry that contains an image wins';
    expect(await problemsOf('bad/unreachable-modes.yaml')).toEqual([
      `bad/unreachable-modes.yaml:7:3 spec.mode: 'mode' never applies: ${why}`,
      `bad/unreachable-modes.yaml:12:7 spec.modes[2]: this entry never applies: ${why}`,
    ]);
  });

  it('empty rules, a tag on a non-tag action, an unknown template placeholder', async () => {
    expect(await problemsOf('bad/no-rules.yaml')).toEqual([
      'bad/no-rules.yaml:5:10 spec.rules: must NOT have fewer than 1 items',
      "bad/no-rules.yaml:6:29 spec.onFail.tag: key 'tag' is not allowed here",
      'bad/no-rules.yaml:7:18 spec.onPass.tag: must be a tag with only the placeholders {{tag}}, {{digest}} and {{policy}}',
    ]);
  });

  it('invalid rule schemas: unknown keyword, bad regex, unknown format, meta-schema violation', async () => {
    expect(await problemsOf('bad/rule-schemas.yaml')).toEqual([
      'bad/rule-schemas.yaml:11:24 spec.rules[0].schema.properties.compilers.maxItem: invalid rule schema: unknown keyword "maxItem"; did you mean "maxItems"?',
      'bad/rule-schemas.yaml:19:46 spec.rules[1].schema.properties.user.properties.name.pattern: invalid rule schema: Invalid regular expression: /(unclosed/u: Unterminated group',
      'bad/rule-schemas.yaml:25:67 spec.rules[2].schema.properties.image.properties.created.format: invalid rule schema: unknown format "date-ish"',
      'bad/rule-schemas.yaml:31:31 spec.rules[3].schema.properties.layers.maxItems: invalid rule schema: must be >= 0',
    ]);
  });

  it('facts names a rule schema uses that the facts schema does not have, at the key, with a suggestion', async () => {
    expect(await problemsOf('bad/facts-names.yaml')).toEqual([
      "bad/facts-names.yaml:14:11 spec.rules[0].schema.properties.total: unknown facts property 'total' at the top of the facts document: this part of the rule can never fail; did you mean 'totals'?",
      // Checked below the typo as if it were fixed, so both typos show in one run.
      "bad/facts-names.yaml:16:15 spec.rules[0].schema.properties.total.properties.uncompresedSize: unknown facts property 'uncompresedSize' in totals: this part of the rule can never fail; did you mean 'uncompressedSize'?",
      "bad/facts-names.yaml:24:24 spec.rules[1].schema.properties.user.required[0]: unknown facts property 'nmae' in user: the rule fails whenever user is checked; did you mean 'name'?",
      "bad/facts-names.yaml:31:27 spec.rules[2].schema.properties.compilers.properties.name: 'name' cannot be a property of compilers, which is an array in the facts: this part of the rule can never fail; under items it would name compilers[].name",
      "bad/facts-names.yaml:33:36 spec.rules[2].schema.properties.compilers.items.not.properties.nmae: unknown facts property 'nmae' in compilers[]: this is never checked; did you mean 'name'?",
      // image.labels takes any key: `any-label-is-fine` is not reported.
    ]);
  });

  it('reports every problem of a document in one run, not the first of each kind', async () => {
    // Before, a document failing the policy schema stopped there, and a rule schema stopped at
    // ajv's first compile error: this file took five lint runs to clean.
    expect(await problemsOf('bad/all-at-once.yaml')).toEqual([
      "bad/all-at-once.yaml:7:9 spec.mode: must be one of 'enforce', 'audit'",
      "bad/all-at-once.yaml:10:17 spec.rules[0].severity: must be one of 'critical', 'high', 'medium', 'low', 'info'",
      'bad/all-at-once.yaml:14:21 spec.rules[0].schema.properties.shells.maxItem: invalid rule schema: unknown keyword "maxItem"; did you mean "maxItems"?',
      'bad/all-at-once.yaml:14:33 spec.rules[0].schema.properties.shells.minItem: invalid rule schema: unknown keyword "minItem"; did you mean "minItems"?',
      'bad/all-at-once.yaml:15:32 spec.rules[0].schema.properties.compilers.format: invalid rule schema: unknown format "date-ish"',
      'bad/all-at-once.yaml:15:51 spec.rules[0].schema.properties.compilers.pattern: invalid rule schema: Invalid regular expression: /(/u: Unterminated group',
      "bad/all-at-once.yaml:17:36 spec.rules[0].schema.properties.secrets.properties.findigs: unknown facts property 'findigs' in secrets: this part of the rule can never fail; did you mean 'findings'?",
      "bad/all-at-once.yaml:22:20 spec.rules[1].schema.required[0]: unknown facts property 'sercets' at the top of the facts document: the rule fails for every image; did you mean 'secrets'?",
    ]);
  });

  it('still reports what ajv alone refuses when compiling (an unresolvable $ref)', async () => {
    const dir = await tempDir();
    try {
      const file = join(dir.path, 'ref.yaml');
      await writeFile(
        file,
        'apiVersion: pushgate.dev/v1\nkind: ImagePolicy\nmetadata: { name: ref }\nspec:\n  rules:\n' +
          "    - { id: r, severity: low, message: m, schema: { $ref: '#/$defs/missing' } }\n",
      );
      const result = await loadPolicies([file], { now: NOW });
      expect(result.policies).toEqual([]);
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ line: 6, column: 51, path: 'spec.rules[0].schema' });
      expect(result.problems[0].message).toMatch(
        /^invalid rule schema: can't resolve reference #\/\$defs\/missing/,
      );
    } finally {
      await dir.remove();
    }
  });

  it('duplicate rule ids within a policy, and a waiver for a rule that does not exist', async () => {
    expect(await problemsOf('bad/duplicate-rule.yaml')).toEqual([
      "bad/duplicate-rule.yaml:7:13 spec.rules[1].id: duplicate rule id 'same' (first at spec.rules[0])",
      "bad/duplicate-rule.yaml:9:15 spec.waivers[0].rule: waiver names unknown rule 'other'",
    ]);
  });

  it('duplicate policy names across files: the first is kept, the second is an error', async () => {
    const result = await loadPolicies([join(FIXTURES, 'dup')], { now: NOW });
    expect(result.policies.map((p) => p.source.file)).toEqual([join(FIXTURES, 'dup/one.yaml')]);
    expect(located(result.problems)).toEqual([
      `dup/two.yaml:5:9 metadata.name: duplicate policy name 'twice' (first defined at ${FIXTURES}/dup/one.yaml:1:1)`,
    ]);
  });

  it('a path that does not exist is a problem, not a crash', async () => {
    const result = await loadPolicies([join(FIXTURES, 'missing.yaml')], { now: NOW });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ line: 1, column: 1, path: '', severity: 'error' });
    expect(result.problems[0].message).toContain('ENOENT');
  });

  it('a document that is not a mapping, and an alias bomb, are problems', async () => {
    const dir = await tempDir();
    try {
      await writeFile(join(dir.path, 'scalar.yaml'), 'just a string\n');
      const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 0; i < 8; i++)
        bomb.push(`${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`);
      await writeFile(join(dir.path, 'bomb.yaml'), bomb.join('\n') + '\n');
      const result = await loadPolicies([join(dir.path, 'scalar.yaml'), join(dir.path, 'bomb.yaml')], {
        now: NOW,
      });
      expect(result.policies).toEqual([]);
      expect(
        result.problems.map((p) => [p.file.slice(dir.path.length + 1), p.line, p.column, p.message]),
      ).toEqual([
        ['scalar.yaml', 1, 1, 'must be object'],
        ['bomb.yaml', 1, 1, expect.stringContaining('cannot read YAML document')],
      ]);
    } finally {
      await dir.remove();
    }
  });
});

describe('loadPolicies: waivers', () => {
  it('reports waivers whose expiry day has passed, and keeps one expiring today', async () => {
    const result = await loadPolicies([join(FIXTURES, 'waivers.yaml')], { now: NOW });
    expect(result.problems).toEqual([]);
    expect(result.policies).toHaveLength(1);
    expect(result.expiredWaivers).toEqual([
      {
        policy: 'waived',
        rule: 'no-shells',
        expires: '2026-06-30',
        file: join(FIXTURES, 'waivers.yaml'),
        line: 9,
      },
    ]);
    const later = await loadPolicies([join(FIXTURES, 'waivers.yaml')], {
      now: new Date('2026-07-02T00:00:00Z'),
    });
    expect(later.expiredWaivers.map((w) => w.expires)).toEqual(['2026-06-30', '2026-07-01']);
  });
});

describe('loadPolicies: policy-set version', () => {
  let dir: { path: string; remove(): Promise<void> };
  const policy = (name: string, severity: string): string =>
    `apiVersion: pushgate.dev/v1\nkind: ImagePolicy\nmetadata: { name: ${name} }\nspec:\n  rules:\n    - { id: r, severity: ${severity}, message: m, schema: {} }\n`;

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('is stable under file order and key order, and changes with content', async () => {
    const a = join(dir.path, 'a.yaml');
    const b = join(dir.path, 'b.yaml');
    await writeFile(a, policy('alpha', 'low'));
    await writeFile(b, policy('beta', 'high'));
    const forward = await loadPolicies([a, b], { now: NOW });
    const backward = await loadPolicies([b, a], { now: NOW });
    expect(forward.problems).toEqual([]);
    expect(forward.version).toMatch(/^[0-9a-f]{16}$/);
    expect(backward.version).toBe(forward.version);

    // Reordered keys and different formatting are the same policy.
    await writeFile(
      b,
      'kind: ImagePolicy\napiVersion: pushgate.dev/v1\nspec:\n  rules:\n    - schema: {}\n      message: m\n      severity: high\n      id: r\nmetadata:\n  name: beta\n',
    );
    expect((await loadPolicies([a, b], { now: NOW })).version).toBe(forward.version);

    await writeFile(b, policy('beta', 'critical'));
    const changed = await loadPolicies([a, b], { now: NOW });
    expect(changed.problems).toEqual([]);
    expect(changed.version).not.toBe(forward.version);
  });
});
