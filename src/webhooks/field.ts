import { isRecord } from '../is-record.js';

/**
 * A property of a parsed payload, following `keys` through nested objects; undefined as soon as a
 * step is not a plain object or lacks the key. Only own properties are read, so keys such as
 * `__proto__`, `constructor` or `toString` in (or missing from) a payload never reach inherited
 * values.
 */
export function field(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}
