import type { Redis } from 'ioredis';
import type { PushgateConfig } from '../config/types.js';
import type { LoadedPolicy } from '../policy/types.js';
import { quote } from '../quote.js';
import type { PlannedAction } from './planned-action.js';
import { repositoryTemplatePattern, templatePattern } from '../config/tag-template.js';

/**
 * Everything pushgate knows about its own writes, so it never inspects (and acts on) them: tagging
 * a verdict would otherwise trigger another one. Two lines of defence:
 *
 * - By name, at intake (`isOwnWrite`): a tag one of pushgate's templates renders, a referrers
 *   fallback or cosign tag, a repository under the quarantine template. A name alone proves
 *   nothing — anyone can push a tag ending in `-verified` — so this is only a hint carried on the
 *   job and counted (`own_write` in the metrics); the event is queued like any other.
 * - Exactly, by markers (`OwnWriteMarkers`): just before it writes a tag or a quarantine copy, the
 *   enforcer records the (registry, repository, tag, digest) it is about to push
 *   (`recordPlannedWrites`), and inspection skips the event that write causes (`ownWriteSkip`).
 */

/** What pushgate itself may write to registries: the names intake recognises. */
export interface OwnWriteConfig {
  /** Every tag template pushgate may write (fail tag, pass tag, policies' tags). */
  tagTemplates: readonly string[];
  /** `enforcement.quarantineRepository`, e.g. `quarantine/{{repository}}`; empty = none. */
  quarantineRepositoryTemplate: string;
}

/** The names pushgate writes with, from the configuration and the policy set. */
export function ownWriteConfig(config: PushgateConfig, policies: readonly LoadedPolicy[]): OwnWriteConfig {
  const templates = new Set<string>([config.enforcement.failTag]);
  if (config.enforcement.passTag) templates.add(config.enforcement.passTag);
  for (const { policy } of policies) {
    const onFail = policy.spec.onFail;
    if (onFail?.action === 'tag') templates.add(onFail.tag);
    if (policy.spec.onPass?.tag) templates.add(policy.spec.onPass.tag);
  }
  return {
    tagTemplates: [...templates],
    quarantineRepositoryTemplate: config.enforcement.quarantineRepository,
  };
}

/**
 * Tags of OCI referrers written under the fallback tag scheme (`sha256-<hex>`, distribution-spec
 * "referrers tag schema") and cosign's signature/attestation/SBOM tags (`sha256-<hex>.sig`…).
 */
const REFERRER_TAG = /^(?:sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})(?:\.(?:sig|att|sbom))?$/;

const tagPatterns = new Map<string, RegExp>();
const repositoryPatterns = new Map<string, RegExp>();

/**
 * Why a pushed `event` looks like a push pushgate made itself, or undefined when it does not: the
 * intake hint. Throws `PushgateError('CONFIG_INVALID')` for a template with no literal text, which
 * would match everything (the config loader should refuse those first).
 */
export function isOwnWrite(
  event: { readonly repository: string; readonly tag?: string },
  own: OwnWriteConfig,
): string | undefined {
  if (event.tag !== undefined) {
    for (const template of own.tagTemplates) {
      if (cached(tagPatterns, template, templatePattern).test(event.tag)) {
        return `tag ${quote(event.tag)} matches pushgate's tag template "${template}"`;
      }
    }
    if (REFERRER_TAG.test(event.tag)) {
      return `tag ${quote(event.tag)} is a referrers fallback or signature tag`;
    }
  }
  const quarantine = own.quarantineRepositoryTemplate;
  if (
    quarantine !== '' &&
    cached(repositoryPatterns, quarantine, repositoryTemplatePattern).test(event.repository)
  ) {
    return `repository ${quote(event.repository)} matches pushgate's quarantine repository "${quarantine}"`;
  }
  return undefined;
}

function cached(cache: Map<string, RegExp>, template: string, compile: (t: string) => RegExp): RegExp {
  let pattern = cache.get(template);
  if (pattern === undefined) {
    pattern = compile(template);
    // Templates come from config: a handful per process. The cap only bounds a misuse.
    if (cache.size < 1000) cache.set(template, pattern);
  }
  return pattern;
}

/** Long enough for any registry's notification of the write to arrive, even after retries. */
export const OWN_WRITE_TTL_SECONDS = 3600;

/**
 * The markers in Redis: what pushgate is about to write to a registry (a tag, a quarantine copy),
 * recorded just before the write. The push event the write causes is then recognised exactly —
 * same registry, repository, tag and digest — while a user's push that merely looks like one is
 * inspected as usual.
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

/** Records, before writing, the pushes a plan will make, so their events are known as ours. */
export async function recordPlannedWrites(
  markers: Pick<OwnWriteMarkers, 'expect'>,
  registry: string,
  planned: readonly PlannedAction[],
): Promise<void> {
  for (const action of planned) {
    if (action.kind === 'tag') await markers.expect(registry, action.repository, action.tag, action.digest);
    if (action.kind === 'quarantine') {
      await markers.expect(registry, action.quarantineRepository, undefined, action.digest);
      for (const tag of action.tags) {
        await markers.expect(registry, action.quarantineRepository, tag, action.digest);
      }
    }
  }
}

/**
 * Why inspection skips this push as one of pushgate's own writes (a marker names it), or
 * undefined. A forced scan is never skipped.
 */
export async function ownWriteSkip(
  markers: Pick<OwnWriteMarkers, 'isExpected'>,
  job: {
    registry: string;
    repository: string;
    tag?: string;
    force?: boolean;
    ownWriteHint?: string;
  },
  digest: string,
): Promise<string | undefined> {
  if (job.force || !(await markers.isExpected(job.registry, job.repository, job.tag, digest)))
    return undefined;
  return `own write${job.ownWriteHint ? ` (${job.ownWriteHint})` : ''}`;
}
