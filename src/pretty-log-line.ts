import { escapeJson, escapeText } from './escape-text.js';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every line has, or that the line's head already shows. */
const SHOWN_IN_HEAD = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'service', 'component']);

/** A value as `key=value` shows it: bare when it is one plain word, else quoted; always escaped. */
function value(v: unknown): string {
  if (typeof v === 'string') {
    const text = escapeText(v);
    return /^[^\s"=]+$/.test(text) ? text : `"${text.replace(/"/g, '\\"')}"`;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  // Objects and arrays: their JSON (C0 escaped by JSON, the rest by escapeJson), on this one line.
  return escapeJson(JSON.stringify(v) ?? 'undefined');
}

function clock(time: unknown): string {
  if (typeof time !== 'number') return '--:--:--.---';
  const d = new Date(time);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * One pino JSON line as a person reads it on a terminal:
 * `12:03:04.567 WARN  [server] inspection failed repository=team/app code=REGISTRY_NOT_FOUND`.
 * Every string from the line (message, keys, values — they quote requests, registries and images)
 * goes through `escapeText`, so a control or bidi character shows as `\x1b`, `\u202e`, `\n` and a
 * value can never start a line of its own. A line that is not a JSON object is passed on escaped.
 */
export function prettyLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return `${escapeText(line.replace(/\n$/, ''))}\n`;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return `${escapeText(line.replace(/\n$/, ''))}\n`;
  }
  const fields = entry as Record<string, unknown>;
  const level = LEVELS[fields.level as number] ?? escapeText(String(fields.level)).padEnd(5);
  const component = typeof fields.component === 'string' ? ` [${escapeText(fields.component)}]` : '';
  const msg = typeof fields.msg === 'string' ? ` ${escapeText(fields.msg)}` : '';
  const rest = Object.entries(fields)
    .filter(([key]) => !SHOWN_IN_HEAD.has(key))
    .map(([key, v]) => `${escapeText(key)}=${value(v)}`);
  return `${clock(fields.time)} ${level}${component}${msg}${rest.length > 0 ? ` ${rest.join(' ')}` : ''}\n`;
}
