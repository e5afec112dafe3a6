import { describe, expect, it } from 'vitest';

import { formatDuration } from '../../../src/cli/scan-deadline.js';
import { parseByteSize, parseDuration, scanLimits } from '../../../src/cli/scan-limits.js';

describe('scan --timeout and --max-image-bytes', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
    ['500ms', 500],
    [' 10s ', 10_000],
  ])('reads the duration %j', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms);
  });

  it.each(['', '10', '0s', '-5m', '1.5h', '10 minutes', '5x', 'h', '1h 30m'])(
    'refuses the duration %j as a usage error',
    (text) => {
      expect(() => parseDuration(text, '--timeout')).toThrow(
        expect.objectContaining({
          code: 'USAGE',
          message: expect.stringContaining('--timeout must be a positive duration'),
        }),
      );
    },
  );

  it('keeps a huge duration within what a timer can wait', () => {
    expect(parseDuration('100000h', '--timeout')).toBe(2 ** 31 - 1);
  });

  it('defaults to 30 minutes, 64 GiB and 1 KiB/s over 60 s', () => {
    expect(scanLimits({}, {})).toEqual({
      timeoutMs: 1_800_000,
      maxImageBytes: 64 * 1024 ** 3,
      throughput: { minBytesPerSecond: 1024, windowMs: 60_000 },
    });
  });

  it('takes the stall thresholds from the environment and refuses nonsense there', () => {
    const env = { PUSHGATE_BODY_MIN_BYTES_PER_SECOND: '0', PUSHGATE_BODY_STALL_WINDOW_MS: '1500' };
    expect(scanLimits({}, env).throughput).toEqual({ minBytesPerSecond: 0, windowMs: 1500 });
    expect(() => scanLimits({}, { PUSHGATE_BODY_STALL_WINDOW_MS: '1.5s' })).toThrow(
      /PUSHGATE_BODY_STALL_WINDOW_MS/,
    );
    expect(() => scanLimits({}, { PUSHGATE_BODY_MIN_BYTES_PER_SECOND: '-1' })).toThrow(/at least 0/);
  });

  it.each([
    ['1048576', 1048576],
    ['500MB', 500_000_000],
    ['64GiB', 64 * 1024 ** 3],
    ['8MiB', 8 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
  ])('reads the size %j', (text, bytes) => {
    expect(parseByteSize(text, '--max-image-bytes')).toBe(bytes);
  });

  it.each(['0', 'lots', '5 parsecs', '-1GB'])('refuses the size %j', (text) => {
    expect(() => parseByteSize(text, '--max-image-bytes')).toThrow(/--max-image-bytes must be a size/);
  });

  it('formats durations back the way they are written', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(3000)).toBe('3s');
  });
});
