import { createHash } from 'node:crypto';

import type { BuiltBlob } from './types.js';

/** Every timestamp the builder writes unless told otherwise, so the same spec gives the same digests. */
export const FIXED_DATE = new Date('2024-01-01T00:00:00Z');
export const FIXED_CREATED = FIXED_DATE.toISOString();

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

export function makeBlob(mediaType: string, data: Buffer): BuiltBlob {
  return { digest: sha256Digest(data), size: data.length, mediaType, data };
}

export function jsonBlob(mediaType: string, value: unknown): BuiltBlob {
  return makeBlob(mediaType, Buffer.from(JSON.stringify(value)));
}
