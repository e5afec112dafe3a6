import { describe, expect, it } from 'vitest';
import { compilePolicies } from '../../../src/policy/compile-policies.js';
import { facts, loaded, noCompilers } from './evaluate-fixtures.js';

describe('compilePolicies', () => {
  it('compiles each rule once into a validator', () => {
    const [compiled] = compilePolicies([loaded('p', { rules: [noCompilers] })]);
    expect(compiled.rules).toHaveLength(1);
    const validate = compiled.rules[0].validate;
    expect(validate).toBeTypeOf('function');
    expect(validate?.(facts())).toBe(false);
    expect(validate?.(facts({ compilers: [] }))).toBe(true);
  });

  it('keeps a rule that does not compile with its error, without affecting the other rules or policies', () => {
    const bad = { ...noCompilers, id: 'bad', schema: { properties: { compilers: { maxItem: 0 } } } };
    const badRegex = { ...noCompilers, id: 'bad-regex', schema: { pattern: '(' } };
    const [p, q] = compilePolicies([
      loaded('p', { rules: [bad, badRegex, noCompilers] }),
      loaded('q', { rules: [noCompilers] }),
    ]);
    expect(p.rules[0].validate).toBeUndefined();
    expect(p.rules[0].error).toMatch(/rule bad of policy p: .*maxItem/);
    expect(p.rules[1].error).toMatch(/bad-regex/);
    expect(p.rules[2].validate).toBeTypeOf('function');
    expect(q.rules[0].validate).toBeTypeOf('function');
  });

  it('is strict about unknown formats but does not demand `type` beside `properties` nor `properties` for `required`', () => {
    const unknownFormat = { ...noCompilers, schema: { format: 'no-such-format' } };
    const known = {
      ...noCompilers,
      schema: { properties: { image: { properties: { created: { format: 'date-time' } } } } },
    };
    const [p] = compilePolicies([loaded('p', { rules: [unknownFormat, known] })]);
    expect(p.rules[0].error).toMatch(/no-such-format/);
    expect(p.rules[1].error).toBeUndefined();
  });
});
