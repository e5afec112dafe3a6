import type { Redis } from 'ioredis';
import { storeError } from './store-error.js';

/**
 * The policy-set version every stored verdict was last re-evaluated under
 * (`<prefix>:reevaluated-version`): a process starting with that version has nothing to do.
 */
export class ReevaluationMarker {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:reevaluated-version`;
  }

  async get(): Promise<string | undefined> {
    try {
      return (await this.#redis.get(this.#key)) ?? undefined;
    } catch (err) {
      throw storeError('read the re-evaluated policy-set version', err);
    }
  }

  async set(version: string): Promise<void> {
    try {
      await this.#redis.set(this.#key, version);
    } catch (err) {
      throw storeError('record the re-evaluated policy-set version', err);
    }
  }
}
