import { PushgateError } from '../errors.js';
import { DEFAULT_MAX_IMAGE_BYTES } from '../image/image-limits.js';
import { DEFAULT_THROUGHPUT_LIMITS, type ThroughputLimits } from '../throughput/throughput-watch.js';

/** Like Trivy's `--timeout`: a scan of a large image over a slow link still fits. */
export const DEFAULT_SCAN_TIMEOUT = '30m';

/** Environment variables `pushgate scan` reads for its body stall check (documented in the README). */
export const STALL_ENV = {
  minBytesPerSecond: 'PUSHGATE_BODY_MIN_BYTES_PER_SECOND',
  windowMs: 'PUSHGATE_BODY_STALL_WINDOW_MS',
} as const;

export interface ScanLimits {
  timeoutMs: number;
  maxImageBytes: number;
  throughput: ThroughputLimits;
}

/** setTimeout's ceiling (about 24.8 days); a longer deadline would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** `90s`, `5m`, `1h`, `1h30m`, `500ms` (Go's duration syntax, whole numbers) → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  const parts = /^(?:\d+(?:h|ms|m|s))+$/.test(trimmed) ? trimmed.match(/\d+(?:h|ms|m|s)/g) : null;
  const ms = (parts ?? []).reduce((sum, part) => {
    const unit = /ms$/.test(part) ? 'ms' : part.slice(-1);
    return sum + Number(part.slice(0, part.length - unit.length)) * DURATION_UNITS[unit];
  }, 0);
  if (parts === null || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new PushgateError(
      'USAGE',
      `${flag} must be a positive duration such as 90s, 5m, 1h or 1h30m, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return Math.min(ms, MAX_TIMER_MS);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `1048576`, `500MB`, `64GiB`, `2g` (K/M/G/T and KiB… are binary, kB/MB/GB/TB decimal) → bytes. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const factor = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  const bytes = match && factor !== undefined ? Math.floor(Number(match[1]) * factor) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new PushgateError(
      'USAGE',
      `${flag} must be a size such as 500MB, 64GiB or a number of bytes, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return bytes;
}

function envInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) {
    throw new PushgateError(
      'USAGE',
      `${name} must be a whole number of at least ${minimum}, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return value;
}

/** The scan's deadline and limits from its flags and environment; a bad value is a USAGE error. */
export function scanLimits(
  options: { timeout?: string; maxImageBytes?: string },
  env: NodeJS.ProcessEnv,
): ScanLimits {
  return {
    timeoutMs: parseDuration(options.timeout ?? DEFAULT_SCAN_TIMEOUT, '--timeout'),
    maxImageBytes:
      options.maxImageBytes === undefined
        ? DEFAULT_MAX_IMAGE_BYTES
        : parseByteSize(options.maxImageBytes, '--max-image-bytes'),
    throughput: {
      minBytesPerSecond: envInteger(
        env,
        STALL_ENV.minBytesPerSecond,
        DEFAULT_THROUGHPUT_LIMITS.minBytesPerSecond,
        0,
      ),
      windowMs: envInteger(env, STALL_ENV.windowMs, DEFAULT_THROUGHPUT_LIMITS.windowMs, 100),
    },
  };
}
