import { describe, expect, it } from 'vitest';
import { guardOutput, unguardedOutput } from '../../../src/cli/guard-output.js';

function fakeStream(): { stream: NodeJS.WriteStream; chunks: unknown[] } {
  const chunks: unknown[] = [];
  const stream = {
    isTTY: true,
    columns: 80,
    write(chunk: unknown) {
      chunks.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, chunks };
}

describe('guardOutput', () => {
  it('escapes every string written except newlines, and keeps the rest of the stream', () => {
    const { stream, chunks } = fakeStream();
    const guarded = guardOutput(stream);
    expect(guarded.write('a\x1b[2Jb\n\u202ec\u009b\n')).toBe(true);
    expect(chunks).toEqual(['a\\x1b[2Jb\n\\u202ec\\x9b\n']);
    expect(guarded.isTTY).toBe(true);
    expect(guarded.columns).toBe(80);
  });

  it('shows already escaped text unchanged (no double escaping)', () => {
    const { stream, chunks } = fakeStream();
    guardOutput(stream).write('layer \\x1b[31m and C:\\tools\n');
    expect(chunks).toEqual(['layer \\x1b[31m and C:\\tools\n']);
  });

  it('hands the raw stream to the progress display, and nothing else', () => {
    const { stream } = fakeStream();
    expect(unguardedOutput(guardOutput(stream))).toBe(stream);
    expect(unguardedOutput(stream)).toBe(stream);
  });
});
