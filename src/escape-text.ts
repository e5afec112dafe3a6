/**
 * The one definition of "text that must not reach a terminal or a log as it is". Strings from
 * images (config fields, history, file names, manifest.json entries), from registries and from
 * users can carry terminal escapes (ESC, CSI as C1 U+009B), line breaks that forge report or log
 * lines, and bidirectional-text controls that make a line read differently from what it holds
 * (CVE-2021-42574, "Trojan Source"). Every text output — table reports, policy verdicts, lint and
 * test output, CLI errors, progress, logs — goes through the functions here.
 *
 * What is escaped:
 * - C0 controls U+0000–U+001F (newline and tab included), DEL U+007F, C1 controls U+0080–U+009F;
 * - the bidi embeddings and overrides U+202A–U+202E and isolates U+2066–U+2069, and the bidi marks
 *   U+200E, U+200F and U+061C (invisible, they reorder neutral characters around them);
 * - U+2028 and U+2029, which some viewers and every JavaScript parser treat as line breaks.
 *
 * Backslashes are not escaped: a literal `\x1b` in an image and an escaped ESC print the same,
 * which is harmless (neither does anything to the terminal) and keeps Windows paths and shell
 * commands readable. JSON reports are the exact, unambiguous form.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same set minus C0 (JSON.stringify escapes C0 itself, and outside strings it is layout). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

function jsonEscape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every unsafe character shown as a visible escape (`\x1b`, `\x9b`, `\u202e`, `\n`),
 * so it prints as exactly one line that means what it shows. Idempotent: its output holds no
 * unsafe character, so escaping twice shows nothing twice.
 */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * Text whose newlines are the writer's own layout (a rendered report, help text): each line
 * escaped, the newlines between them kept. Strings from outside must already be escaped with
 * `escapeText` (or sit on lines escaped as a whole) so that a newline of theirs cannot start a line.
 */
export function escapeLines(text: string): string {
  return text.split('\n').map(escapeText).join('\n');
}

/**
 * `escapeText` with a length cap, for quoting untrusted text (registry answers, references,
 * header values) inside an error message.
 */
export function printable(text: string, max = 200): string {
  return escapeText(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * A post-pass over `JSON.stringify` output (reports, SARIF, log lines): the characters above that
 * JSON allows raw inside strings (DEL, C1, bidi controls, U+2028/9) rewritten as `\uXXXX`. They
 * can only occur inside strings, so the result is valid JSON that parses to the same value.
 */
export function escapeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, jsonEscape);
}
