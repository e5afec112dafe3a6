import type { AdmissionConfig } from '../config/types.js';
import { escapeText, printable } from '../escape-text.js';
import { normalizeImageReference } from './normalize-image-reference.js';
import type { AdmissionAnswer, ImageDecision, ImageSlot } from './types.js';

export type AnswerConfig = Pick<
  AdmissionConfig,
  'mode' | 'errorVerdicts' | 'unknownImages' | 'unconfiguredRegistries' | 'onUnavailable'
>;

export interface AnswerContext {
  /** `request.dryRun`: no inspection is queued for an unknown image, so the message says how to get one. */
  dryRun: boolean;
  /** The object's kind (`Deployment`), name and namespace, for the first line of a denial. */
  kind: string;
  name: string;
  namespace: string;
  /** extractImages' `malformed`: an object pushgate could not read is denied like a rejected image. */
  malformed?: string[];
}

/**
 * The audit annotation key. The API server prefixes it with the webhook's name
 * (`validate.pushgate.dev/would-deny`) and drops any key that already holds a `/`.
 */
export const WOULD_DENY_ANNOTATION = 'would-deny';

/** kubectl prints the message after "admission webhook … denied the request: "; keep it readable. */
export const MAX_MESSAGE_CHARS = 4096;
/** Kubernetes truncates warnings longer than 256 characters and may drop many of them. */
export const MAX_WARNING_CHARS = 256;
export const MAX_WARNINGS = 20;
const MAX_ANNOTATION_CHARS = 2048;
/** Failing rules quoted per image; the rest are counted. */
const MAX_REASONS = 5;
const MAX_REASON_CHARS = 300;

export type Effect = 'deny' | 'warn' | 'allow';

export const SLOT_LABELS: Record<ImageSlot, string> = {
  container: 'container',
  initContainer: 'init container',
  ephemeralContainer: 'ephemeral container',
  imageVolume: 'image volume',
};

/**
 * Turns the decisions for one object's images into the AdmissionReview answer. `reject` denies,
 * naming the container, the image and each failing policy rule; `pass` allows; `warn` allows with
 * a warning; an image pushgate could not judge, never saw, or whose registry it does not watch
 * is answered by `errorVerdicts`, `unknownImages` and `unconfiguredRegistries`; Redis or a
 * registry out of reach by `onUnavailable` (an allow then still warns: nothing was checked).
 *
 * `mode: audit` allows everything; what enforce would have denied becomes warnings and the
 * `would-deny` audit annotation. Every string from the request or an image is escaped (kubectl
 * prints the message to a terminal) and the message, each warning and their number are bounded,
 * however many containers the object has.
 */
export function composeAnswer(
  decisions: readonly ImageDecision[],
  config: AnswerConfig,
  context: AnswerContext,
): AdmissionAnswer {
  const denials: string[] = [];
  const warnings: string[] = [];
  for (const problem of context.malformed ?? []) {
    denials.push(`the object cannot be read: ${printable(problem, MAX_REASON_CHARS)}`);
  }
  for (const decision of decisions) {
    const effect = effectOf(decision, config);
    if (effect === 'allow') continue;
    const line = describe(decision, context.dryRun);
    (effect === 'deny' ? denials : warnings).push(line);
  }

  const audit = config.mode === 'audit';
  const answer: AdmissionAnswer = { allowed: audit || denials.length === 0 };
  const warningLines = audit ? [...denials.map((line) => `would deny: ${line}`), ...warnings] : warnings;
  if (warningLines.length > 0) answer.warnings = boundWarnings(warningLines);
  if (denials.length === 0) return answer;
  if (audit) {
    answer.auditAnnotations = {
      [WOULD_DENY_ANNOTATION]: bound(`${subject(context)}: ${denials.join('; ')}`, MAX_ANNOTATION_CHARS),
    };
  } else {
    answer.message = boundMessage(`pushgate denied ${subject(context)}:`, denials);
  }
  return answer;
}

/** What `config` makes of one image's outcome (before `mode: audit` allows everything). */
export function effectOf(decision: ImageDecision, config: AnswerConfig): Effect {
  switch (decision.outcome) {
    case 'pass':
      return 'allow';
    case 'warn':
      return 'warn';
    case 'reject':
      return 'deny';
    case 'error':
      return config.errorVerdicts;
    case 'unknown':
      return config.unknownImages;
    case 'unconfigured':
      return config.unconfiguredRegistries;
    case 'unavailable':
      return config.onUnavailable === 'deny' ? 'deny' : 'warn';
    default:
      // An outcome this code does not know is a bug upstream: deny rather than allow unseen.
      return 'deny';
  }
}

/** One line for one image: what it is and why it is denied or warned about. */
function describe(decision: ImageDecision, dryRun: boolean): string {
  const { image } = decision;
  const head = `${SLOT_LABELS[image.slot] ?? 'container'} "${printable(String(image.name), 100)}": image "${printable(String(image.image), 200)}"`;
  const reasons = reasonList(decision.reasons);
  switch (decision.outcome) {
    case 'reject':
      return `${head} was rejected: ${reasons || 'a pushgate policy failed'}`;
    case 'warn':
      return `${head}: ${reasons || 'a pushgate policy warns about it'}`;
    case 'error':
      return `${head} could not be judged${reasons ? `: ${reasons}` : ''}`;
    case 'unknown':
      return `${head} has not been inspected by pushgate; ${howToInspect(decision.image.image, dryRun)}`;
    case 'unconfigured':
      return `${head} comes from a registry pushgate does not watch; add the registry to pushgate's configuration or use one it watches`;
    case 'unavailable':
      return `${head} could not be checked: pushgate could not reach its store or the registry in time${reasons ? ` (${reasons})` : ''}`;
    default:
      return `${head}: outcome "${printable(String(decision.outcome), 40)}" is not one pushgate knows`;
  }
}

function howToInspect(image: string, dryRun: boolean): string {
  const normalized = normalizeImageReference(image);
  const reference = normalized.ok ? normalized.text : printable(image, 200);
  const ways = `push it through a registry pushgate watches, or ask for a scan: POST /api/v1/scans {"reference": "${reference}"}`;
  return dryRun
    ? `a dry run queues no inspection: ${ways}`
    : `an inspection has been queued, retry once it is judged (or ${ways})`;
}

function reasonList(reasons: readonly string[] | undefined): string {
  if (!Array.isArray(reasons) || reasons.length === 0) return '';
  const shown = reasons.slice(0, MAX_REASONS).map((reason) => printable(String(reason), MAX_REASON_CHARS));
  const more = reasons.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more failing rule${more === 1 ? '' : 's'}` : ''}`;
}

function subject(context: AnswerContext): string {
  const kind = printable(context.kind || 'object', 63);
  const namespace = printable(context.namespace, 63);
  // A pod created with generateName has no name yet at admission.
  if (!context.name) return namespace ? `${kind} in namespace ${namespace}` : kind;
  const name = printable(context.name, 253);
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

/**
 * The denial: a first line, then one line per denied image, cut (and counted) at the size cap. A
 * line is at most about 2,000 characters (names, images and reasons are capped), so the first
 * always fits.
 */
function boundMessage(first: string, lines: readonly string[]): string {
  let message = first;
  let shown = 0;
  for (const line of lines) {
    const next = `\n- ${line}`;
    const rest = lines.length - shown - 1;
    const reserve = rest > 0 ? 40 : 0;
    if (message.length + next.length + reserve > MAX_MESSAGE_CHARS) break;
    message += next;
    shown += 1;
  }
  const more = lines.length - shown;
  if (more > 0) message += `\n- … and ${more} more`;
  return message;
}

function boundWarnings(lines: readonly string[]): string[] {
  const prefixed = lines.map((line) => bound(`pushgate: ${line}`, MAX_WARNING_CHARS));
  if (prefixed.length <= MAX_WARNINGS) return prefixed;
  const shown = prefixed.slice(0, MAX_WARNINGS - 1);
  shown.push(`pushgate: … and ${prefixed.length - shown.length} more warnings`);
  return shown;
}

/** `text` cut to `max` characters with an ellipsis; escapes anything unsafe left in it. */
export function bound(text: string, max: number): string {
  const safe = escapeText(text);
  if (safe.length <= max) return safe;
  let end = Math.max(0, max - 1);
  // Never leave half of a surrogate pair behind.
  if (end > 0 && /[\ud800-\udbff]/.test(safe.charAt(end - 1))) end -= 1;
  return `${safe.slice(0, end)}…`;
}
