import type { Request } from 'express';
import { PushgateError } from '../../errors.js';

/**
 * A GET form's field: undefined when absent or empty (the form's "any"), else the string, at most
 * `max` characters, else a 400 that names the field.
 */
export function formField(req: Request, name: string, max = 512): string | undefined {
  const value: unknown = req.query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw new PushgateError('BAD_REQUEST', `${name} must be one text value of at most ${max} characters`);
  }
  return value;
}

/** `formField` restricted to `allowed`. */
export function choiceField<T extends string>(
  req: Request,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = formField(req, name, 32);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new PushgateError('BAD_REQUEST', `${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}
