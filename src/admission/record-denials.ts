import { findRegistryByHost } from '../config/registry-hosts.js';
import type { RegistryConfig } from '../config/types.js';
import { printable } from '../escape-text.js';
import type { Logger } from '../logger.js';
import type { AuditEntry } from '../store/types.js';
import { effectOf, SLOT_LABELS, type AnswerConfig } from './compose-answer.js';
import { normalizeImageReference } from './normalize-image-reference.js';
import type { AdmissionRequest, ImageDecision } from './types.js';

export interface DenialSink {
  audit?: { append(entry: AuditEntry): Promise<string> };
  logger: Logger;
}

/** Images named in one log line; the audit stream has an entry for each. */
const MAX_LOGGED_IMAGES = 5;
/** Audit entries one review writes at most: an object with hundreds of denied images is one event. */
const MAX_AUDITED_IMAGES = 20;
/** The first reason, as it goes into the audit entry and the log line. */
const MAX_REASON_CHARS = 300;

/**
 * Records what the validating webhook denied (or, in `mode: audit`, would have denied): one audit
 * stream entry per denied image (namespace, kind/name, container, image, the first reason, and the
 * review uid as `ref`; at most 20 per review) and one log line per review with its uid. Never the review object (it
 * carries environment values): only names, images and reasons, each escaped and bounded. Never
 * delays or fails the answer: the appends run on their own and a failure is logged.
 */
export function recordDenials(
  request: AdmissionRequest,
  decisions: readonly ImageDecision[],
  config: AnswerConfig,
  registries: readonly RegistryConfig[],
  sink: DenialSink,
): void {
  const denied = decisions.filter((decision) => effectOf(decision, config) === 'deny');
  if (denied.length === 0) return;
  const outcome = config.mode === 'audit' ? 'would-deny' : 'denied';
  const namespace = printable(request.namespace ?? '', 63);
  const kind = printable(request.kind.kind, 63);
  const name = printable(request.name ?? '', 253);
  const uid = printable(request.uid, 64);
  const dryRun = request.dryRun === true;
  const time = new Date().toISOString();

  const lines = denied.map((decision) => {
    const slot = SLOT_LABELS[decision.image.slot] ?? 'container';
    const reason = printable(String(decision.reasons[0] ?? decision.outcome), MAX_REASON_CHARS);
    return {
      decision,
      container: `${slot} "${printable(decision.image.name, 100)}"`,
      image: printable(decision.image.image, 200),
      reason,
    };
  });

  sink.logger.info(
    {
      uid,
      namespace,
      kind,
      name,
      ...(dryRun ? { dryRun } : {}),
      denied: lines.length,
      images: lines.slice(0, MAX_LOGGED_IMAGES).map((line) => ({
        container: line.container,
        image: line.image,
        outcome: line.decision.outcome,
        reason: line.reason,
      })),
    },
    outcome === 'denied' ? 'admission: denied' : 'admission: would deny (audit mode)',
  );

  if (!sink.audit) return;
  for (const line of lines.slice(0, MAX_AUDITED_IMAGES)) {
    const normalized = normalizeImageReference(line.decision.image.image);
    const reference = normalized.ok ? normalized.reference : undefined;
    const registry = reference ? findRegistryByHost(registries, reference.registry) : undefined;
    const entry: AuditEntry = {
      time,
      type: 'admission',
      // The configured registry's name, as in every other entry; the host when it is not one.
      registry: registry?.name ?? printable(reference?.registry ?? '', 253),
      repository: reference ? printable(reference.repository, 255) : line.image,
      ...(line.decision.digest !== undefined ? { digest: line.decision.digest } : {}),
      ...(reference?.tag !== undefined ? { tag: printable(reference.tag, 128) } : {}),
      outcome,
      detail: `${namespace ? `${namespace}: ` : ''}${kind}/${name || '(generated name)'} ${line.container}: image "${line.image}" ${line.decision.outcome}: ${line.reason}${dryRun ? ' (dry run)' : ''}`,
      ref: uid,
    };
    sink.audit
      .append(entry)
      .catch((err: unknown) =>
        sink.logger.warn(
          { err: (err as Error).message, uid },
          'admission: could not append a denial to the audit log',
        ),
      );
  }
}
