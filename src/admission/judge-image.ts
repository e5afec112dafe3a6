import { findRegistryByHost } from '../config/registry-hosts.js';
import { isPushgateError } from '../errors.js';
import { printable } from '../escape-text.js';
import { DEFAULT_TAG, type ImageReference } from '../oci/reference.js';
import type { RegistryConfig } from '../config/types.js';
import type { Judgement, JudgementKey } from './decision-cache.js';
import type { JudgeContext } from './judge-context.js';
import { judgeFromFacts } from './judge-from-facts.js';
import { raceSignal } from './race-signal.js';
import type { ImageDecision, PodImage } from './types.js';

/**
 * Judges one image of a pod for its namespace from local state only — never pulling or scanning:
 * - a registry pushgate is not configured for → `unconfigured`;
 * - the digest as given, or the tag resolved with one HEAD (cached ≤ 60 s, coalesced);
 * - the stored facts of the digest (an index: every platform, the worst wins) evaluated with the
 *   policy set for the pod's namespace → `pass` / `warn` / `reject` (a failing enforce policy
 *   whose action is a tag rejects too) / `error` (a policy that could not be evaluated);
 * - no facts: a stored `error` (or UNJUDGED) verdict → `error`; else `unknown` (the caller may
 *   queue an inspection: `admissionInspectJob`);
 * - Redis or the registry failing, or `signal` (the review's deadline) aborting first →
 *   `unavailable`. A tag the registry does not have → `unknown`.
 * Judgements are cached by digest + policy-set version + namespace (+ repository and tag) for at
 * most 30 s, and dropped when the digest's facts or verdict change.
 */
export async function judgeImage(
  image: PodImage,
  reference: ImageReference,
  namespace: string,
  ctx: JudgeContext,
  signal: AbortSignal,
): Promise<ImageDecision> {
  const registry = findRegistryByHost(ctx.registries, reference.registry);
  if (!registry) {
    return {
      image,
      outcome: 'unconfigured',
      reasons: [`registry ${printable(reference.registry)} is not one pushgate is configured for`],
    };
  }
  // `app:debug@sha256:…` runs the digest; the tag must not steer scopes, waivers or the cache.
  const judgedTag = reference.digest === undefined ? reference.tag : undefined;
  const decide = async (): Promise<Judgement> => {
    let digest = reference.digest;
    if (digest === undefined) {
      const tag = reference.tag ?? DEFAULT_TAG;
      try {
        digest = await ctx.tags.resolve(registry, reference.repository, tag);
      } catch (err) {
        if (isPushgateError(err) && err.code === 'REGISTRY_NOT_FOUND') {
          return {
            outcome: 'unknown',
            reasons: [
              `${printable(`${reference.repository}:${tag}`)} is not in registry ${printable(registry.host)}`,
            ],
          };
        }
        throw err;
      }
    }
    const key: JudgementKey = {
      registry: registry.name,
      repository: reference.repository,
      ...(judgedTag !== undefined ? { tag: judgedTag } : {}),
      digest,
      policySetVersion: ctx.policySet.version,
      namespace,
    };
    const cached = ctx.cache.get(key);
    if (cached) return cached;
    const generation = ctx.cache.generation;
    const judgement = await fromStore(reference, registry, digest, namespace, ctx);
    ctx.cache.set(key, judgement, generation);
    return judgement;
  };
  let result: Awaited<ReturnType<typeof raceSignal<Judgement>>>;
  try {
    result = await raceSignal(decide(), signal);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { image, outcome: 'unavailable', reasons: [printable(`could not be judged: ${message}`, 500)] };
  }
  if ('aborted' in result) {
    return {
      image,
      outcome: 'unavailable',
      ...(reference.digest !== undefined ? { digest: reference.digest } : {}),
      reasons: ['could not be judged before the deadline (Redis or the registry is slow or unreachable)'],
    };
  }
  return { image, ...result.value, reasons: [...result.value.reasons] };
}

async function fromStore(
  reference: ImageReference,
  registry: RegistryConfig,
  digest: string,
  namespace: string,
  ctx: JudgeContext,
): Promise<Judgement> {
  const platforms = await ctx.facts.get(digest);
  if (platforms) {
    return judgeFromFacts(
      platforms,
      {
        digest,
        registry: registry.host,
        repository: reference.repository,
        // With a digest the tag beside it is the writer's choice, not what runs: never judged by.
        ...(reference.tag !== undefined && reference.digest === undefined ? { tag: reference.tag } : {}),
        namespace,
      },
      ctx.policySet,
      ctx.onError,
    );
  }
  const record = await ctx.verdicts.get(digest, {
    registry: registry.name,
    repository: reference.repository,
  });
  if (record && (record.decision === 'error' || record.unjudged === true)) {
    return { outcome: 'error', digest, reasons: record.reasons.map((r) => printable(r, 500)) };
  }
  return {
    outcome: 'unknown',
    digest,
    reasons: [
      record
        ? 'judged before pushgate stored facts for admission: it must be inspected again'
        : 'never inspected by pushgate',
    ],
  };
}
