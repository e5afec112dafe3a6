/* eslint-disable no-control-regex -- the test looks for raw control characters */
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../src/cli/progress.js';

function fakeStream(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = '';
  const stream = { write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written };
}

const base = { platform: 'linux/amd64', layerCount: 2, digest: `sha256:${'ab'.repeat(32)}`, entries: 3 };

describe('createProgress', () => {
  it('draws one line per layer and redraws in place', () => {
    const { stream, text } = fakeStream();
    const progress = createProgress(stream);
    progress.update({ ...base, layer: 0, state: 'cached', compressedBytes: 1000, uncompressedBytes: 5000 });
    progress.update({
      ...base,
      layer: 1,
      state: 'done',
      compressedBytes: 2_000_000,
      uncompressedBytes: 9_000_000,
    });
    progress.done();
    const out = text();
    expect(out).toContain('linux/amd64 layer 0 (0–1) abababababab  cached');
    expect(out).toContain('layer 1 (0–1)');
    expect(out).toContain('2.0 MB →   9.0 MB  3 files');
    expect(out).toContain('\x1b[1A'); // moved up to redraw the first line
  });

  it('escapes what it draws (the platform comes from the image), keeping only its own cursor codes', () => {
    const { stream, text } = fakeStream();
    const progress = createProgress(stream);
    const platform = 'linux/amd64\x1b[2J\u009b32m\u202e';
    progress.update({ ...base, platform, layer: 0, state: 'done', compressedBytes: 1, uncompressedBytes: 1 });
    progress.done();
    const out = text();
    expect(out).toContain('linux/amd64\\x1b[2J\\x9b32m\\u202e layer 0 (0–1)');
    // What remains raw is the display's own erase-line and cursor-up codes.
    expect(out.replace(/\x1b\[(2K|\d+A)/g, '')).not.toMatch(
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/,
    );
  });
});
