import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compilePolicies } from '../../../src/policy/compile-policies.js';
import { createPolicyAjv, POLICY_AJV_OPTIONS } from '../../../src/policy/create-policy-ajv.js';
import { didYouMean, editDistance } from '../../../src/policy/did-you-mean.js';
import { evaluate } from '../../../src/policy/evaluate.js';
import { FactsLocation } from '../../../src/policy/facts-location.js';
import { lintRuleSchema } from '../../../src/policy/lint-rule-schema.js';
import { findYamlFiles } from '../../../src/policy/find-yaml-files.js';
import type { PolicyRule } from '../../../src/policy/types.js';
import { REPO_ROOT } from '../../support/run-cli.js';
import { facts, loaded, target } from './evaluate-fixtures.js';

const ROOT = REPO_ROOT;
const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;

const FACTS_SCHEMA = readJson('src/facts/facts.schema.json');
const ajv = createPolicyAjv();
const vocabulary = {
  keywords: new Set(Object.keys(ajv.RULES.keywords)),
  formats: new Set(Object.keys(ajv.formats)),
};

/** `path: message` for each problem, the path written the way the YAML loader prints it. */
function lint(schema: Record<string, unknown>): string[] {
  return lintRuleSchema(schema, FactsLocation.root(FACTS_SCHEMA), vocabulary).map(
    (p) => `${p.path.join('/')}: ${p.message}`,
  );
}

function rule(id: string, schema: Record<string, unknown>): PolicyRule {
  return { id, severity: 'high', message: id, schema };
}

describe('a typo in a rule schema: what it does, and that lint finds it', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const results = (rules: PolicyRule[], overrides: Record<string, unknown>): Record<string, string> => {
    const verdict = evaluate(compilePolicies([loaded('p', { rules })]), facts(overrides), target, {
      policySetVersion: 'v',
      now,
    });
    const failed = new Set(verdict.policies[0].violations.map((v) => v.rule));
    return Object.fromEntries(rules.map((r) => [r.id, failed.has(r.id) ? 'fail' : 'pass']));
  };

  it('in `properties` the rule can never fail: `total.uncompresedSize` passes a 5 GB image', () => {
    const budget = (totals: string, size: string): PolicyRule =>
      rule(`budget-${totals}-${size}`, {
        properties: { [totals]: { properties: { [size]: { maximum: 1073741824 } } } },
      });
    const huge = { totals: { uncompressedSize: 5 * 1024 ** 3, layerCount: 3 } };
    expect(
      results(
        [
          budget('totals', 'uncompressedSize'),
          budget('total', 'uncompressedSize'),
          budget('totals', 'uncompresedSize'),
        ],
        huge,
      ),
    ).toEqual({
      'budget-totals-uncompressedSize': 'fail',
      'budget-total-uncompressedSize': 'pass',
      'budget-totals-uncompresedSize': 'pass',
    });
    expect(lint({ properties: { total: { properties: { uncompresedSize: { maximum: 1 } } } } })).toEqual([
      "properties/total: unknown facts property 'total' at the top of the facts document: this part of the rule can never fail; did you mean 'totals'?",
      "properties/total/properties/uncompresedSize: unknown facts property 'uncompresedSize' in totals: this part of the rule can never fail; did you mean 'uncompressedSize'?",
    ]);
  });

  it('in `required` the rule fails every image: `nmae` rejects a user that has a name', () => {
    const named = { user: { name: 'app', uid: 1000, root: false, evidence: [] } };
    expect(
      results(
        [
          rule('right', { properties: { user: { required: ['name'] } } }),
          rule('typo', { properties: { user: { required: ['nmae'] } } }),
        ],
        named,
      ),
    ).toEqual({ right: 'pass', typo: 'fail' });
    expect(lint({ properties: { user: { required: ['nmae'] } } })).toEqual([
      "properties/user/required/0: unknown facts property 'nmae' in user: the rule fails whenever user is checked; did you mean 'name'?",
    ]);
    expect(lint({ required: ['totals', 'secrets', 'sercets'] })).toEqual([
      "required/2: unknown facts property 'sercets' at the top of the facts document: the rule fails for every image; did you mean 'secrets'?",
    ]);
  });
});

describe('lintRuleSchema walks the rule in lock-step with the facts schema', () => {
  it('accepts every name the facts have, through $refs and nullable sections of the facts schema', () => {
    expect(
      lint({
        required: ['image', 'user'],
        properties: {
          image: { properties: { labels: true, configDigest: { type: 'string' } }, required: ['platform'] },
          config: { properties: { healthcheck: { properties: { retries: { maximum: 3 } } } } },
          os: { anyOf: [{ type: 'null' }, { properties: { id: { const: 'debian' } } }] },
          compilers: { items: { properties: { evidence: { items: { required: ['path', 'layer'] } } } } },
          secrets: {
            properties: { findings: { contains: { properties: { severity: { const: 'high' } } } } },
          },
        },
      }),
    ).toEqual([]);
  });

  it('does not check names where the facts take any key (labels, annotations)', () => {
    expect(
      lint({
        properties: {
          image: {
            properties: {
              labels: {
                properties: { 'org.example/anything': { type: 'string' } },
                required: ['maintainer'],
              },
              annotations: { additionalProperties: { maxLength: 100 } },
            },
          },
        },
      }),
    ).toEqual([]);
    // A label value is a string: naming a property inside it is still a mistake.
    expect(
      lint({ properties: { image: { properties: { labels: { properties: { a: { required: ['b'] } } } } } } }),
    ).toEqual([
      "properties/image/properties/labels/properties/a/required/0: 'b' cannot be a property of image.labels.a, which is a string in the facts: this part of the rule can never fail",
    ]);
  });

  it('follows allOf, anyOf, oneOf, not, if, then, else at the same place', () => {
    expect(
      lint({
        properties: {
          user: {
            allOf: [{ required: ['uid'] }, { required: ['uidd'] }, { not: { required: ['nmae'] } }],
            anyOf: [{ properties: { rot: false } }],
            oneOf: [{ properties: { gid: true } }, { properties: { gidd: true } }],
            not: { properties: { nam: { const: 'root' } } },
            if: { properties: { explict: { const: true } } },
            then: { required: ['configurd'] },
            else: { properties: { reasn: true } },
          },
        },
      }),
    ).toEqual([
      "properties/user/allOf/1/required/0: unknown facts property 'uidd' in user: the rule fails whenever user is checked; did you mean 'uid'?",
      // Under `not` the effect turns around: the rule cannot fail on it; the wording does not guess.
      "properties/user/allOf/2/not/required/0: unknown facts property 'nmae' in user: this required can never be met; did you mean 'name'?",
      "properties/user/anyOf/0/properties/rot: unknown facts property 'rot' in user: this is never checked; did you mean 'root'?",
      "properties/user/oneOf/1/properties/gidd: unknown facts property 'gidd' in user: this is never checked; did you mean 'gid'?",
      "properties/user/not/properties/nam: unknown facts property 'nam' in user: this is never checked; did you mean 'name'?",
      "properties/user/if/properties/explict: unknown facts property 'explict' in user: this is never checked; did you mean 'explicit'?",
      "properties/user/then/required/0: unknown facts property 'configurd' in user: the rule fails whenever user is checked; did you mean 'configured'?",
      "properties/user/else/properties/reasn: unknown facts property 'reasn' in user: this part of the rule can never fail; did you mean 'reason'?",
    ]);
  });

  it('follows items, prefixItems, contains and unevaluatedItems into the items', () => {
    expect(
      lint({
        properties: {
          layers: {
            items: { properties: { digst: true } },
            prefixItems: [{ required: ['indx'] }],
            contains: { properties: { fileCont: { minimum: 1 } } },
            unevaluatedItems: { properties: { warnigs: true } },
          },
        },
      }),
    ).toEqual([
      "properties/layers/items/properties/digst: unknown facts property 'digst' in layers[]: this part of the rule can never fail; did you mean 'digest'?",
      "properties/layers/prefixItems/0/required/0: unknown facts property 'indx' in layers[]: the rule fails whenever layers[] is checked; did you mean 'index'?",
      "properties/layers/contains/properties/fileCont: unknown facts property 'fileCont' in layers[]: this is never checked; did you mean 'fileCount'?",
      "properties/layers/unevaluatedItems/properties/warnigs: unknown facts property 'warnigs' in layers[]: this part of the rule can never fail; did you mean 'warnings'?",
    ]);
  });

  it('checks dependentRequired and dependentSchemas names, and not propertyNames or const values', () => {
    expect(
      lint({
        properties: {
          user: {
            dependentRequired: { uid: ['gid', 'nmae'], udi: ['gid'] },
            dependentSchemas: { rootGroup: { properties: { gdi: true } } },
            propertyNames: { not: { const: 'nmae' } },
            const: { nmae: 'not a schema' },
          },
        },
      }),
    ).toEqual([
      "properties/user/dependentRequired/uid/1: unknown facts property 'nmae' in user: the rule fails whenever user is checked; did you mean 'name'?",
      "properties/user/dependentRequired/udi: unknown facts property 'udi' in user: this part of the rule can never fail; did you mean 'uid'?",
      "properties/user/dependentSchemas/rootGroup/properties/gdi: unknown facts property 'gdi' in user: this part of the rule can never fail; did you mean 'gid'?",
    ]);
  });

  it('matches patternProperties against the facts names, and reports a pattern that matches none', () => {
    expect(
      lint({
        patternProperties: {
          '^(compilers|shells)$': { maxItems: 0, items: { properties: { knd: true } } },
          '^total$': { maxProperties: 1 },
        },
      }),
    ).toEqual([
      "patternProperties/^(compilers|shells)$/items/properties/knd: unknown facts property 'knd' in [/^(compilers|shells)$/][]: this part of the rule can never fail; did you mean 'kind'?",
      "patternProperties/^total$: pattern /^total$/ matches no facts property at the top of the facts document: this part of the rule can never fail; known here: 'buildOrder', 'compilers', 'config', 'devDependencies', 'efficiency', 'history', 'image', 'layers', 'nativeCode', 'os', 'packageManagers', 'packages', …",
    ]);
  });

  it('refuses references it cannot follow, so no typo hides behind one ($id, anchors, $dynamicRef)', () => {
    const hidden = { $defs: { t: { properties: { uncompresedSize: { maximum: 1 } } } } };
    const problems = [
      lint({
        $id: 'https://x.example/r',
        properties: { totals: { $ref: 'https://x.example/r#/$defs/t' } },
        ...hidden,
      }),
      lint({ properties: { totals: { $ref: 'r2#/$defs/t' } }, ...hidden }),
      lint({ properties: { totals: { $dynamicRef: '#t' } }, $defs: { t: { $dynamicAnchor: 't' } } }),
      lint({ properties: { totals: { $ref: '#t' } }, $defs: { t: { $anchor: 't' } } }),
    ];
    for (const found of problems) expect(found.join('\n')).toMatch(/cannot check the facts names behind it/);
    expect(problems[0].join('\n')).toMatch(/^\$id: \$id is not allowed/m);
    expect(problems[1].join('\n')).toMatch(/\$ref 'r2#\/\$defs\/t' is not a local JSON pointer/);
    // A local pointer is followed, and the typo behind it found.
    expect(lint({ properties: { totals: { $ref: '#/$defs/t' } }, ...hidden }).join('\n')).toMatch(
      /unknown facts property 'uncompresedSize'/,
    );
  });

  it('checks a $defs entry where it is referenced, and ends on a recursive $ref', () => {
    expect(
      lint({
        $defs: {
          noEvidenceIn: { properties: { evidence: { maxItems: 0 } }, required: ['evidnce'] },
          loop: { anyOf: [{ $ref: '#/$defs/loop' }, { properties: { nmae: true } }] },
        },
        properties: {
          os: { $ref: '#/$defs/noEvidenceIn' },
          totals: { $ref: '#/$defs/noEvidenceIn' },
          user: { $ref: '#/$defs/loop' },
        },
      }),
    ).toEqual([
      // At os (which has `evidence`) only the typo; at totals (which has none) both names.
      "$defs/noEvidenceIn/required/0: unknown facts property 'evidnce' in os: the rule fails whenever os is checked; did you mean 'evidence'?",
      "$defs/noEvidenceIn/properties/evidence: unknown facts property 'evidence' in totals: this part of the rule can never fail; known here: 'compressedSize', 'fileCount', 'finalBytes', 'layerCount', 'uncompressedSize', 'wastedBytes'",
      "$defs/noEvidenceIn/required/0: unknown facts property 'evidnce' in totals: the rule fails whenever totals is checked; known here: 'compressedSize', 'fileCount', 'finalBytes', 'layerCount', 'uncompressedSize', 'wastedBytes'",
      "$defs/loop/anyOf/1/properties/nmae: unknown facts property 'nmae' in user: this is never checked; did you mean 'name'?",
    ]);
  });

  it('finds every unknown keyword, unknown format and invalid regex, with suggestions', () => {
    expect(
      lint({
        properties: {
          compilers: { maxItem: 0, minitems: 0 },
          image: { properties: { created: { format: 'date-tme', pattern: '[' } } },
        },
        $defs: { unused: { uniqueItem: true } },
      }),
    ).toEqual([
      'properties/compilers/maxItem: invalid rule schema: unknown keyword "maxItem"; did you mean "maxItems"?',
      'properties/compilers/minitems: invalid rule schema: unknown keyword "minitems"; did you mean "minItems"?',
      'properties/image/properties/created/format: invalid rule schema: unknown format "date-tme"; did you mean "date-time"?',
      'properties/image/properties/created/pattern: invalid rule schema: Invalid regular expression: /[/u: Unterminated character class',
      '$defs/unused/uniqueItem: invalid rule schema: unknown keyword "uniqueItem"; did you mean "uniqueItems"?',
    ]);
  });

  it('a hostile rule schema ends with one problem, not a hang or a stack overflow', () => {
    let deep: Record<string, unknown> = { properties: { nmae: true } };
    for (let i = 0; i < 5000; i++) deep = { not: deep };
    expect(lint(deep)).toEqual([
      '' + 'not/'.repeat(201).slice(0, -1) + ': rule schema too large or too deeply nested to check',
    ]);

    // 2^30 paths through $refs, each def referencing the next twice.
    const $defs: Record<string, unknown> = { d30: { properties: { user: true } } };
    for (let i = 0; i < 30; i++)
      $defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const started = Date.now();
    const problems = lint({ $defs, $ref: '#/$defs/d0' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/rule schema too large or too deeply nested to check$/);
  });
});

describe('did you mean', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('nmae', 'name')).toBe(1);
    expect(editDistance('total', 'totals')).toBe(1);
    expect(editDistance('uncompresedSize', 'uncompressedSize')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest known name only when it is close, ignoring case', () => {
    expect(didYouMean('nmae', ['kind', 'name', 'evidence'])).toBe('name');
    expect(didYouMean('layercount', ['layerCount', 'fileCount'])).toBe('layerCount');
    expect(didYouMean('compilers', ['user', 'totals'])).toBeUndefined();
    expect(didYouMean('x'.repeat(1000), ['x'])).toBeUndefined();
  });
});

describe('rule-schema.schema.json: what editors check a rule schema against', () => {
  const policySchema = readJson('src/policy/policy.schema.json');
  const ruleMeta = readJson('src/policy/rule-schema.schema.json');
  const editorAjv = new Ajv2020({ ...POLICY_AJV_OPTIONS });
  addFormats.default(editorAjv);
  editorAjv.addSchema(ruleMeta);
  const validate = editorAjv.compile(policySchema);

  const documents = (text: string): unknown[] => parseAllDocuments(text).map((doc) => doc.toJS() as unknown);

  it('is referenced from policy.schema.json for each rule schema, and stays small', () => {
    const rule = (policySchema.$defs as Record<string, { properties: Record<string, unknown> }>).rule;
    expect(rule.properties.schema).toMatchObject({ $ref: 'rule-schema.schema.json' });
    expect(new URL('rule-schema.schema.json', policySchema.$id as string).href).toBe(ruleMeta.$id);
    expect(readFileSync(join(ROOT, 'src/policy/rule-schema.schema.json')).length).toBeLessThan(64 * 1024);
  });

  it('accepts every default policy', async () => {
    const files = await findYamlFiles(join(ROOT, 'policies'));
    let checked = 0;
    for (const file of files) {
      for (const doc of documents(readFileSync(file, 'utf8'))) {
        if ((doc as { kind?: string }).kind !== 'ImagePolicy') continue;
        checked += 1;
        expect({ file, valid: validate(doc), errors: validate.errors }).toMatchObject({ valid: true });
      }
    }
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  it('flags names unknown at their place, not names of the same spelling elsewhere', () => {
    const [doc] = documents(readFileSync(join(ROOT, 'test/fixtures/policies/bad/facts-names.yaml'), 'utf8'));
    expect(validate(doc)).toBe(false);
    const where = new Set(
      (validate.errors ?? [])
        .filter(
          (e) =>
            e.keyword === 'additionalProperties' || e.keyword === 'enum' || e.keyword === 'maxProperties',
        )
        .map((e) => `${e.instancePath} ${JSON.stringify(e.params)}`),
    );
    expect([...where].sort()).toEqual([
      '/spec/rules/0/schema/properties {"additionalProperty":"total"}',
      '/spec/rules/1/schema/properties/user/required/0 {"allowedValues":["configured","evidence","explicit","gid","name","reason","root","rootGroup","uid","unknownName"]}',
      '/spec/rules/2/schema/properties/compilers/items/not/properties {"additionalProperty":"nmae"}',
    ]);
  });
});
