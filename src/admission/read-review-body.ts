import type { IncomingMessage } from 'node:http';
import { PushgateError } from '../errors.js';
import { printable } from '../escape-text.js';

/**
 * The raw body of an AdmissionReview POST: JSON only (the API server sends application/json), not
 * compressed, at most `maxBytes` (413 above, from Content-Length before anything is read, or as
 * soon as a chunked body passes the cap). Refusals are PushgateErrors whose code carries the status.
 */
export async function readReviewBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const type = req.headers['content-type'];
  const mediaType = (type ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new PushgateError(
      'UNSUPPORTED_MEDIA_TYPE',
      type === undefined
        ? 'an AdmissionReview must be sent as Content-Type: application/json (the request has no Content-Type)'
        : `an AdmissionReview must be sent as Content-Type: application/json, not ${printable(type, 100)}`,
    );
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') {
    throw new PushgateError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding ${printable(encoding, 100)} is not read: send the AdmissionReview uncompressed`,
    );
  }
  const tooLarge = (): PushgateError =>
    new PushgateError(
      'PAYLOAD_TOO_LARGE',
      `the AdmissionReview is larger than admission.maxBodyBytes (${maxBytes} bytes)`,
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();

  // Listeners, not for-await: leaving a for-await loop early destroys the request, and with it the
  // socket the 413 must still be written to.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      reject(tooLarge());
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
    // A client gone mid-body: settle, so the handler does not wait on a request that will never end.
    req.on('close', () => {
      if (!req.complete) {
        reject(
          new PushgateError('MALFORMED', 'the client closed the connection before the review was sent whole'),
        );
      }
    });
  });
}
