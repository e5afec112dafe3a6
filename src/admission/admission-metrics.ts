import { Counter, Histogram, type Registry } from 'prom-client';

export type AdmissionOperation = 'validate' | 'mutate';
/** allow / deny: the decision sent; invalid: the review was refused (400, 413, 415). */
export type AdmissionDecisionLabel = 'allow' | 'deny' | 'invalid';

/**
 * The kinds the webhook is registered for; anything else a caller sends is counted as `other`, so a
 * client cannot grow the series without bound through `request.kind`.
 */
const KNOWN_KINDS: ReadonlySet<string> = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);

export function kindLabel(kind: string | undefined): string {
  if (kind === undefined) return 'unknown';
  return KNOWN_KINDS.has(kind) ? kind : 'other';
}

export interface AdmissionMetrics {
  countRequest(
    operation: AdmissionOperation,
    kind: string | undefined,
    decision: AdmissionDecisionLabel,
  ): void;
  /** A review answered per `admission.onUnavailable` (deadline passed, or the decider failed). */
  countUnavailable(operation: AdmissionOperation, reason: 'timeout' | 'error'): void;
  observeDecision(operation: AdmissionOperation, seconds: number): void;
}

/** Time to decide one review: warm decisions take milliseconds, the deadline is seconds. */
const DECISION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Registers the admission series on `registry` (the service's `/metrics` registry). */
export function createAdmissionMetrics(registry: Registry): AdmissionMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: 'pushgate_admission_requests_total',
    help: 'AdmissionReviews answered, by operation (validate, mutate), object kind and decision (allow, deny, invalid).',
    labelNames: ['operation', 'kind', 'decision'] as const,
    registers,
  });
  const unavailable = new Counter({
    name: 'pushgate_admission_unavailable_total',
    help: 'AdmissionReviews answered per admission.onUnavailable, by operation and reason (timeout, error).',
    labelNames: ['operation', 'reason'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'pushgate_admission_decision_seconds',
    help: 'Time from a parsed AdmissionReview to its answer, by operation.',
    labelNames: ['operation'] as const,
    buckets: DECISION_BUCKETS,
    registers,
  });
  return {
    countRequest: (operation, kind, decision) => requests.inc({ operation, kind: kindLabel(kind), decision }),
    countUnavailable: (operation, reason) => unavailable.inc({ operation, reason }),
    observeDecision: (operation, seconds) => latency.observe({ operation }, seconds),
  };
}
