import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { PushgateError, type ErrorCode } from '../errors.js';
import { printable } from '../escape-text.js';
import { discardBody } from './transport.js';

/** Error bodies are read only to quote them; a hostile registry cannot make us buffer more. */
const MAX_ERROR_BODY = 64 * 1024;

export interface RegistryErrorEntry {
  code?: string;
  message?: string;
}

/** The `{"errors":[{code,message,detail}]}` body of a failed registry request, if it is one. */
export function parseRegistryErrors(body: Buffer): RegistryErrorEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof json !== 'object' || json === null) return [];
  const errors = (json as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, 5).flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { code, message } = entry as { code?: unknown; message?: unknown };
    return [
      {
        ...(typeof code === 'string' ? { code: printable(code, 60) } : {}),
        ...(typeof message === 'string' ? { message: printable(message, 300) } : {}),
      },
    ];
  });
}

export function codeForStatus(status: number): { code: ErrorCode; transient: boolean } {
  if (status === 401) return { code: 'REGISTRY_AUTH', transient: false };
  if (status === 403) return { code: 'REGISTRY_DENIED', transient: false };
  if (status === 404) return { code: 'REGISTRY_NOT_FOUND', transient: false };
  if (status === 429) return { code: 'REGISTRY_TOO_MANY_REQUESTS', transient: true };
  if (status >= 500 || status === 408) return { code: 'REGISTRY_ERROR', transient: true };
  return { code: 'REGISTRY_ERROR', transient: false };
}

/**
 * Turns an unexpected response into a PushgateError naming the operation, the HTTP status and the
 * registry's own error codes and messages.
 */
export async function registryErrorFrom(
  response: { status: number; headers: IncomingHttpHeaders; body: Readable },
  what: string,
): Promise<PushgateError> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const room = MAX_ERROR_BODY - total;
      if (room <= 0) break;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      total += Math.min(chunk.length, room);
    }
  } catch {
    // A body that breaks while we read it for a message adds nothing worth failing over.
  } finally {
    if (!response.body.destroyed) await discardBody(response.body);
  }
  const entries = parseRegistryErrors(Buffer.concat(chunks));
  const described = entries
    .map((e) => [e.code, e.message].filter((part) => part !== undefined && part !== '').join(': '))
    .filter((text) => text !== '')
    .join('; ');
  const { code, transient } = codeForStatus(response.status);
  const statusText = `HTTP ${response.status}`;
  return new PushgateError(code, `${what}: ${statusText}${described ? ` (${described})` : ''}`, {
    transient,
    details: { status: response.status, registryErrors: entries },
  });
}
