import { quote } from '../quote.js';
import { WebhookError } from './webhook-error.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as JSON, or `WebhookError('MALFORMED')`. Bytes that are not UTF-8 are refused rather
 * than replaced, so what was authenticated is what gets parsed. A leading BOM is tolerated.
 */
export function parseJsonBody(body: Buffer, sender: string): unknown {
  if (body.length === 0) throw new WebhookError('MALFORMED', `${sender}: the body is empty`);
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new WebhookError('MALFORMED', `${sender}: the body is not UTF-8 text`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // JSON.parse's own message quotes the input at length: show only its start, escaped.
    throw new WebhookError('MALFORMED', `${sender}: the body is not JSON (starts with ${quote(text, 24)})`);
  }
}
