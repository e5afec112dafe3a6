import { inspect } from 'node:util';

/**
 * A secret (a notify target's HMAC key) carried inside a planned action. Planned actions get
 * logged and may be queued, so the value is kept in a private field: JSON, pino and
 * `util.inspect` see `[redacted]`, and only `reveal()` gives it back, where it is used.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
