import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { DigestCheckStream } from '../../../src/oci/digest-check-stream.js';

async function run(
  chunks: Buffer[],
  digest: string,
  size: number,
): Promise<{ out: Buffer; error?: unknown }> {
  const verify = new DigestCheckStream({ digest, size, what: 'blob test' });
  const out: Buffer[] = [];
  try {
    await pipeline(Readable.from(chunks), verify, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error };
  }
}

describe('DigestCheckStream', () => {
  const data = Buffer.from('0123456789abcdef');
  const digest = digestOf(data);

  it('passes matching content through', async () => {
    const { out, error } = await run([data.subarray(0, 5), data.subarray(5)], digest, data.length);
    expect(error).toBeUndefined();
    expect(out.equals(data)).toBe(true);
  });

  it('fails at EOF on a truncated body', async () => {
    const { error } = await run([data.subarray(0, 10)], digest, data.length);
    expect(error).toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('fails at EOF on a wrong digest', async () => {
    const tampered = Buffer.from(data);
    tampered[0] ^= 1;
    const { error } = await run([tampered], digest, data.length);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('never yields more than size bytes', async () => {
    const { out, error } = await run([data, Buffer.from('extra')], digest, data.length);
    expect(error).toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(out.length).toBeLessThanOrEqual(data.length);
    const oversized = await run([Buffer.concat([data, Buffer.from('x')])], digest, data.length);
    expect(oversized.error).toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(oversized.out.length).toBe(0);
  });

  it('refuses digests it cannot verify', () => {
    expect(() => new DigestCheckStream({ digest: `md5:${'a'.repeat(32)}`, size: 1, what: 'x' })).toThrow(
      /not supported/,
    );
  });
});
