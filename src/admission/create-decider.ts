import type { PushgateConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import { findRegistryByHost } from '../config/registry-hosts.js';
import type { InspectJob } from '../queue/to-inspect-job.js';
import type { AdmittedWorkload } from '../store/admitted-images.js';
import { admittedEntries } from './admitted-workload.js';
import { printable } from '../escape-text.js';
import type { BreakGlassExemption } from '../store/break-glass.js';
import type { BreakGlassLookup } from './break-glass-lookup.js';
import { bound, composeAnswer, MAX_WARNING_CHARS } from './compose-answer.js';
import type { AuditEntry } from '../store/types.js';
import { createExemptions } from './exemptions.js';
import { extractImages } from './extract-images.js';
import { admissionInspectJob } from './inspect-job.js';
import type { JudgeContext } from './judge-context.js';
import { judgeImage } from './judge-image.js';
import { normalizeImageReference } from './normalize-image-reference.js';
import { pinPatch } from './pin-patch.js';
import { recordDenials } from './record-denials.js';
import type {
  AdmissionAnswer,
  AdmissionDecider,
  AdmissionRequest,
  ImageDecision,
  PodImage,
} from './types.js';

/** Images one review may ask pushgate to judge; more are denied unjudged. */
export const MAX_IMAGES_PER_REVIEW = 64;

export interface DeciderDeps {
  config: Pick<PushgateConfig, 'admission' | 'registries'>;
  judge: JudgeContext;
  /** The namespace pushgate runs in (POD_NAMESPACE), always exempt. */
  ownNamespace?: string;
  /** Break-glass exemptions in force (`pushgate admission exempt`); none when absent. */
  breakGlass?: BreakGlassLookup;
  /** Queues the inspection of an image admission has never seen (never for a dry run). */
  enqueueInspection(job: InspectJob): Promise<void>;
  /**
   * Records the images an allowed validate answer admitted (digest, namespace, owner, time), for
   * "which workloads run this digest". Never awaited by the answer; never for a dry run.
   */
  recordAdmitted?(entries: Array<{ digest: string; workload: AdmittedWorkload }>): Promise<void>;
  /** Where the validating webhook's denials go (the audit stream); none when absent. */
  audit?: { append(entry: AuditEntry): Promise<string> };
  logger: Logger;
}

/**
 * The admission webhook's decisions: the images of the object (new ones only on UPDATE), minus
 * exempt namespaces, mirror pods and exempt images, each judged for the object's namespace from
 * stored facts; an image never seen gets its inspection queued (not on a dry run); then one answer
 * (`composeAnswer`), and for the mutating webhook the digest pins of a Pod (`pinPatch`).
 */
export function createAdmissionDecider(deps: DeciderDeps): AdmissionDecider {
  const { admission } = deps.config;
  const exemptions = createExemptions(admission, {
    ...(deps.ownNamespace ? { ownNamespace: deps.ownNamespace } : {}),
  });

  const judgeOne = async (
    image: PodImage,
    namespace: string,
    request: AdmissionRequest,
    signal: AbortSignal,
  ): Promise<ImageDecision> => {
    const normalized = normalizeImageReference(image.image);
    // A reference pushgate cannot read is denied whatever errorVerdicts says: the runtime may read
    // it differently (an image id, an unknown digest algorithm) and run something never judged.
    if (!normalized.ok) return { image, outcome: 'reject', reasons: [normalized.error] };
    // With a digest, the tag beside it does not decide what runs, so it cannot exempt either.
    const { reference } = normalized;
    const exempt = exemptions.image(
      reference.digest !== undefined
        ? `${reference.registry}/${reference.repository}@${reference.digest}`
        : normalized.text,
    );
    if (exempt !== undefined) return { image, outcome: 'pass', reasons: [] };
    const decision = await judgeImage(image, normalized.reference, namespace, deps.judge, signal);
    if (decision.outcome === 'unknown' && request.dryRun !== true) {
      const registry = findRegistryByHost(deps.config.registries, normalized.reference.registry);
      if (registry) {
        const job = admissionInspectJob(
          normalized.reference,
          registry,
          decision.digest,
          deps.judge.policySet.version,
        );
        // Never delays or fails the answer: the message already says an inspection was asked for.
        deps
          .enqueueInspection(job)
          .catch((err: unknown) =>
            deps.logger.warn({ err: (err as Error).message }, 'admission: could not queue an inspection'),
          );
      }
    }
    return decision;
  };

  const decide = async (
    request: AdmissionRequest,
    signal: AbortSignal,
    pin: boolean,
  ): Promise<AdmissionAnswer> => {
    const extracted = extractImages(request);
    if (extracted.skip !== undefined) return { allowed: true };
    const namespace = request.namespace ?? '';
    if (exemptions.namespace(namespace) !== undefined || exemptions.object(request) !== undefined) {
      return { allowed: true };
    }
    const glass = await deps.breakGlass?.exemption(namespace, signal);
    if (glass) {
      deps.logger.info(
        { uid: printable(request.uid, 64), namespace: printable(namespace, 253) },
        'admission: allowed by a break-glass exemption',
      );
      return breakGlassAnswer(glass);
    }
    // A pod spec names a handful of images; thousands would be work (one HEAD per tag) on
    // pushgate's and the registry's account, from anyone who can create a pod.
    if (extracted.images.length > MAX_IMAGES_PER_REVIEW) {
      return {
        allowed: admission.mode === 'audit',
        message: `pushgate denied ${printable(request.kind.kind, 64)}: ${extracted.images.length} images to judge, more than ${MAX_IMAGES_PER_REVIEW}`,
      };
    }
    const decisions = await Promise.all(
      extracted.images.map((image) => judgeOne(image, namespace, request, signal)),
    );
    const answer = composeAnswer(decisions, admission, {
      dryRun: request.dryRun === true,
      kind: request.kind.kind,
      name: request.name ?? '',
      namespace,
      malformed: extracted.malformed,
    });
    // The validating answer is the one that denies: recorded once per review, not again by mutate.
    if (!pin) {
      recordDenials(request, decisions, admission, deps.config.registries, {
        ...(deps.audit ? { audit: deps.audit } : {}),
        logger: deps.logger,
      });
    }
    if (pin && answer.allowed) {
      const patch = pinPatch(decisions, { mode: admission.mode, kind: request.kind });
      if (patch.length > 0) answer.patch = patch;
    }
    if (!pin && answer.allowed && request.dryRun !== true && deps.recordAdmitted) {
      const entries = admittedEntries(request, decisions);
      // Never delays or fails the answer: a lost record only weakens later warnings.
      if (entries.length > 0)
        deps
          .recordAdmitted(entries)
          .catch((err: unknown) =>
            deps.logger.warn(
              { err: (err as Error).message },
              'admission: could not record the admitted images',
            ),
          );
    }
    return answer;
  };

  return {
    validate: (request, signal) => decide(request, signal, false),
    // Mutating only pins; it never denies (the validating webhook does), and is off unless enabled.
    mutate: async (request, signal) => {
      if (!admission.mutate.enabled) return { allowed: true };
      const answer = await decide(request, signal, true);
      return answer.patch ? { allowed: true, patch: answer.patch } : { allowed: true };
    },
  };
}

/** The audit annotation key on a review a break-glass exemption allowed (prefixed by the API server). */
export const BREAK_GLASS_ANNOTATION = 'break-glass';

/**
 * Allowed without judging: the exemption exists because pushgate was wrongly denying. The warning
 * (kubectl prints it) and the audit annotation say so, who granted it and why.
 */
function breakGlassAnswer(exemption: BreakGlassExemption): AdmissionAnswer {
  const text =
    `namespace ${printable(exemption.namespace, 63)} is exempt until ${printable(exemption.until, 40)} ` +
    `(break-glass by ${printable(exemption.by, 100)}: ${printable(exemption.reason, 500)})`;
  return {
    allowed: true,
    warnings: [bound(`pushgate: ${text}`, MAX_WARNING_CHARS)],
    auditAnnotations: { [BREAK_GLASS_ANNOTATION]: bound(text, 2048) },
  };
}
