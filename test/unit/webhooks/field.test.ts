import { afterEach, describe, expect, it } from 'vitest';
import { field } from '../../../src/webhooks/field.js';

const proto = Object.prototype as unknown as Record<string, unknown>;

describe('field', () => {
  afterEach(() => {
    delete proto.repository;
  });

  it('follows nested own properties', () => {
    const value: unknown = JSON.parse('{"a": {"b": {"c": 1}}}');
    expect(field(value, 'a', 'b', 'c')).toBe(1);
    expect(field(value, 'a', 'x', 'c')).toBeUndefined();
    expect(field(value, 'a', 'b', 'c', 'd')).toBeUndefined();
    expect(field([1, 2], '0')).toBeUndefined();
    expect(field(null, 'a')).toBeUndefined();
  });

  it('never reads inherited properties, even from a polluted Object.prototype', () => {
    proto.repository = 'evil/inherited';
    const value: unknown = JSON.parse('{"target": {}}');
    expect(field(value, 'target', 'repository')).toBeUndefined();
    expect(field(value, 'toString')).toBeUndefined();
    expect(field(value, 'constructor')).toBeUndefined();
    expect(field(value, '__proto__')).toBeUndefined();
  });

  it('reads a "__proto__" key JSON.parse made an own property as plain data', () => {
    const value: unknown = JSON.parse('{"__proto__": {"x": 1}}');
    expect(field(value, '__proto__', 'x')).toBe(1);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
