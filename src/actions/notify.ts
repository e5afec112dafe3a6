import { createHash, createHmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { PushgateError } from '../errors.js';
import type { ImageRecord } from '../store/types.js';
import type { ActionHandler, ActionResult } from './action-handler.js';
import type { PlannedOf } from './planned-action.js';
import { SecretValue } from './secret-value.js';

export const NOTIFY_TIMEOUT_MS = 5_000;
export const SIGNATURE_HEADER = 'x-pushgate-signature-256';
export const DELIVERY_HEADER = 'x-pushgate-delivery';
/** Bytes of an answer read before it is dropped: only the status matters. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the format GitHub uses for X-Hub-Signature-256. */
export function signatureOf(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The delivery id: the same for the same verdict and target, so a receiver can drop a delivery
 * repeated by a retried job (GitHub keeps X-GitHub-Delivery on redeliveries the same way).
 */
function deliveryId(parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** What a notification announces: a verdict (enforcement), or a digest that turned to reject later. */
export type NotifyEvent = 'verdict' | 'admitted-rejected';

/**
 * POSTs `{ event: 'verdict', record }` as JSON (the record with the actions run so far, and
 * `admitted`, the workloads the cluster admitted with this digest, when there are any), signed
 * with HMAC-SHA256 when the target has a secret. No redirects are followed; a 2xx is success,
 * 5xx, 408, 429 and network failures are transient, any other status permanent.
 */
export const notify: ActionHandler<'notify'> = {
  kind: 'notify',
  async perform(action, { record, done }) {
    return deliverNotification(action, { ...record, actions: [...record.actions, ...done] }, 'verdict');
  },
};

/**
 * Delivers one notification of `event` about `record` to the planned target: what the `notify`
 * action does, and what a verdict re-evaluated without enforcement (a new policy set) sends when
 * admitted workloads now run a rejected digest.
 */
export async function deliverNotification(
  action: PlannedOf<'notify'>,
  record: ImageRecord,
  event: NotifyEvent,
): Promise<ActionResult> {
  const what = action.detail;
  if (action.secret !== undefined && !(action.secret instanceof SecretValue)) {
    // A plan that went through JSON lost its secret; signing with "[redacted]" would be worse.
    throw new PushgateError('INTERNAL', `${what}: the target's secret did not survive with the plan`);
  }
  const body = Buffer.from(
    JSON.stringify({
      event,
      record,
      ...(action.admitted !== undefined && action.admitted.length > 0 ? { admitted: action.admitted } : {}),
    }),
  );
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'pushgate',
    [DELIVERY_HEADER]: deliveryId([
      record.registry,
      record.repository,
      record.digest,
      record.evaluatedAt,
      action.url,
      ...(event === 'verdict' ? [] : [event]),
    ]),
  };
  if (action.secret !== undefined) headers[SIGNATURE_HEADER] = signatureOf(body, action.secret.reveal());
  let status: number;
  let answerBody: Readable;
  try {
    const answer = await request(action.url, {
      method: 'POST',
      headers,
      body,
      headersTimeout: NOTIFY_TIMEOUT_MS,
      bodyTimeout: NOTIFY_TIMEOUT_MS,
      signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
    });
    status = answer.statusCode;
    answerBody = answer.body;
  } catch (err) {
    throw deliveryError(what, err);
  }
  await drain(answerBody);
  if (status < 200 || status > 299) {
    const transient = status >= 500 || status === 408 || status === 429;
    throw new PushgateError('NOTIFY_FAILED', `${what}: HTTP ${status}`, { transient, details: { status } });
  }
  return { outcome: 'done', note: `HTTP ${status}` };
}

/** Network failures and timeouts are transient; a URL undici refuses (config error) is not. */
function deliveryError(what: string, err: unknown): PushgateError {
  const code = (err as { code?: unknown } | null)?.code;
  const invalid = err instanceof TypeError || code === 'UND_ERR_INVALID_ARG';
  let reason = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && err.name === 'TimeoutError')
    reason = `no answer within ${NOTIFY_TIMEOUT_MS} ms`;
  return new PushgateError('NOTIFY_FAILED', `${what}: ${reason}`, {
    transient: !invalid,
    details: typeof code === 'string' ? { code } : undefined,
  });
}

/** Reads (and drops) the answer so the connection can be reused; only the status matters. */
async function drain(body: Readable): Promise<void> {
  let read = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read > MAX_ANSWER_BYTES) break;
    }
  } catch {
    // The delivery was answered; a broken answer body changes nothing.
  } finally {
    body.destroy();
  }
}
