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

describe('createLogger, format pretty', () => {
  function prettyLines(write: (logger: ReturnType<typeof createLogger>) => void): string[] {
    const lines: string[] = [];
    const logger = createLogger(
      { level: 'debug', format: 'pretty' },
      { service: 'pushgate' },
      { write: (line: string) => void lines.push(line) },
    );
    write(logger);
    return lines;
  }

  it('prints one readable line per entry: time, level, component, message, key=value', () => {
    const [line] = prettyLines((logger) =>
      logger
        .child({ component: 'server' })
        .warn({ repository: 'team/app', status: 404, ok: false, tags: ['1', '2'] }, 'inspection failed'),
    );
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[server\] inspection failed repository=team\/app status=404 ok=false tags=\["1","2"\]\n$/,
    );
    expect(line).not.toContain('"level"');
  });

  it('escapes every string from a request or an image: one line, nothing a terminal acts on', () => {
    const arch = `amd64\x1b[2J\u009b32mPASS\u202e\u2066\x7f`;
    const lines = prettyLines((logger) => {
      logger.info(
        { platform: arch, path: 'a b\nFAKE 12:00:00.000 INFO  forged', [`k\x1b`]: 'v' },
        `scanned \x1b]0;t\x07 ${arch}`,
      );
      logger.child({ repository: 'app\u202e' }).error({ nested: { v: '\u2028x\u0085' } }, 'child \u200f');
    });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toMatch(RAW);
      expect(line.slice(0, -1)).not.toContain('\n');
    }
    expect(lines[0]).toContain('scanned \\x1b]0;t\\x07 amd64\\x1b[2J\\x9b32mPASS\\u202e\\u2066\\x7f');
    expect(lines[0]).toContain('path="a b\\nFAKE 12:00:00.000 INFO  forged"');
    expect(lines[0]).toContain('k\\x1b=v');
    expect(lines[1]).toContain('ERROR child \\u200f');
    expect(lines[1]).toContain('repository=app\\u202e');
    expect(lines[1]).toContain('nested={"v":"\\u2028x\\u0085"}');
  });

  it('json, and auto on a stream that is not a terminal, stay JSON lines', () => {
    for (const format of ['json', 'auto'] as const) {
      const lines: string[] = [];
      createLogger({ level: 'info', format }, {}, { write: (line: string) => void lines.push(line) }).info(
        { a: 1 },
        'm',
      );
      expect(JSON.parse(lines[0])).toMatchObject({ a: 1, msg: 'm' });
    }
  });
});
