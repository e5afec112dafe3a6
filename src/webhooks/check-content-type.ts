import { headerValue, type WebhookHeaders } from './header-value.js';
import { quote } from '../quote.js';
import type { WebhookAdapter } from './types.js';
import { WebhookError } from './webhook-error.js';

/**
 * Throws `WebhookError('UNSUPPORTED_MEDIA_TYPE')` (415) unless the request's Content-Type, without
 * parameters and case-insensitively, is one the adapter accepts. A missing Content-Type is refused
 * too: every supported sender sets one.
 */
export function checkContentType(
  adapter: Pick<WebhookAdapter, 'id' | 'contentTypes'>,
  headers: WebhookHeaders,
): void {
  const accepted = adapter.contentTypes.join(', ');
  const value = headerValue(headers, 'content-type');
  if (value === undefined) {
    throw new WebhookError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${adapter.id}: the Content-Type header is missing or repeated (accepted: ${accepted})`,
    );
  }
  const mediaType = value.split(';')[0].trim().toLowerCase();
  if (!adapter.contentTypes.includes(mediaType)) {
    throw new WebhookError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${adapter.id}: Content-Type ${quote(mediaType)} is not accepted (accepted: ${accepted})`,
    );
  }
}
