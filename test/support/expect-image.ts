import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { PlatformImage } from '../../src/image/types.js';

/** Every layer read through openLayer must hash to its descriptor digest and have its size. */
export async function expectLayersVerify(image: PlatformImage): Promise<void> {
  for (let i = 0; i < image.layers.length; i++) {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of (await image.openLayer(i)) as Readable) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    expect(`sha256:${hash.digest('hex')}`).toBe(image.layers[i].descriptor.digest);
    expect(bytes).toBe(image.layers[i].descriptor.size);
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; transient?: boolean }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string; transient?: boolean };
  }
  throw new Error('expected a rejection');
}
