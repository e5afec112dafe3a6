import { readFileSync } from 'node:fs';

const ROOT = new URL('../../fixtures/webhooks/', import.meta.url);

/** A webhook fixture's bytes, as a sender would POST them. */
export function fixture(sender: string, name: string): Buffer {
  return readFileSync(new URL(`${sender}/${name}`, ROOT));
}

export const DIGEST_A = `sha256:${'ab'.repeat(32)}`;
export const DIGEST_B = `sha256:${'cd'.repeat(32)}`;

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Whether text holds a C0 control character (a forged log line or terminal escape). */
export function hasControlCharacter(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f]/.test(text);
}
