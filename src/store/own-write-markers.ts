import type { Redis } from 'ioredis';

/** Long enough for any registry's notification of the write to arrive, even after retries. */
export const OWN_WRITE_TTL_SECONDS = 3600;

/**
 * What pushgate is about to write to a registry (a tag, a quarantine copy), recorded just before
 * the write. The push event the write causes is then recognised exactly — same registry,
 * repository, tag and digest — and skipped, so pushgate never acts on its own writes; while a
 * user's push that merely looks like one (a tag ending in `-verified`) is inspected as usual.
 */
export class OwnWriteMarkers {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #key(registry: string, repository: string, tag: string | undefined, digest: string): string {
    return `${this.#prefix}:own-write:${encodeURIComponent(registry)}/${repository}:${tag ?? ''}@${digest}`;
  }

  async expect(registry: string, repository: string, tag: string | undefined, digest: string): Promise<void> {
    await this.#redis.set(this.#key(registry, repository, tag, digest), '1', 'EX', OWN_WRITE_TTL_SECONDS);
  }

  async isExpected(
    registry: string,
    repository: string,
    tag: string | undefined,
    digest: string,
  ): Promise<boolean> {
    return (await this.#redis.exists(this.#key(registry, repository, tag, digest))) === 1;
  }
}
