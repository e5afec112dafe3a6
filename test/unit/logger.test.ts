/* eslint-disable no-control-regex -- the test looks for exactly these raw characters */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

const RAW =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('createLogger', () => {
  it('writes C0, C1 and bidi controls from request and image fields as \\u escapes: inert, same JSON', () => {
    const lines: string[] = [];
    const logger = createLogger(
      { level: 'info' },
      {},
      {
        write: (line: string) => void lines.push(line),
      },
    );
    const arch = `amd64\x1b[2J\u009b32mPASS\u202e\u2066\x7f`;
    logger.info({ platform: arch, long: `${'a'.repeat(100)}\u0085` }, `scanned \x1b]0;t\x07 ${arch}`);
    logger.child({ repository: 'app\u202e' }).warn('child \u200f');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.replace(/\n$/, '')).not.toMatch(RAW);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(first.platform).toBe(arch);
    expect(first.long).toBe(`${'a'.repeat(100)}\u0085`);
    expect(first.msg).toBe(`scanned \x1b]0;t\x07 ${arch}`);
    expect(lines[0]).toContain('\\u009b32mPASS\\u202e\\u2066\\u007f');
    expect(JSON.parse(lines[1])).toMatchObject({ repository: 'app\u202e', msg: 'child \u200f' });
  });
});
