import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { PushgateError } from '../errors.js';
import { headerValue } from './transport.js';

/**
 * Reads a whole response body, refusing more than `cap` bytes: first from `Content-Length` (before
 * reading anything), then while reading, since the header may lie or be absent.
 */
export async function readBodyCapped(
  body: Readable,
  headers: IncomingHttpHeaders,
  cap: number,
  what: string,
): Promise<Buffer> {
  const declared = Number(headerValue(headers, 'content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    body.destroy();
    throw new PushgateError('BODY_TOO_LARGE', `${what}: ${declared} bytes exceeds the ${cap}-byte limit`, {
      details: { limit: cap, declared },
    });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > cap) {
      body.destroy();
      throw new PushgateError('BODY_TOO_LARGE', `${what}: more than the ${cap}-byte limit`, {
        details: { limit: cap },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
