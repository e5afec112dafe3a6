/**
 * What must never reach a user's terminal or CI log from a hostile image: a stack trace (pushgate
 * failed to say what went wrong) or a raw control character (an image drawing on the terminal).
 */

/** A V8 stack frame line (`    at fn (file:1:2)`), or a JavaScript error name a user should never see. */
const STACK_FRAME = /\n\s+at .+:\d+:\d+\)?/;
const JS_ERROR = /\b(?:TypeError|ReferenceError|RangeError|SyntaxError)\b/;

/**
 * C0 controls except tab, newline and carriage return; DEL; C1 (U+0080–U+009F); the bidirectional
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/** `text` with every character the checks refuse shown as `\u{…}`, so a failure message is safe to print. */
export function showEscaped(text: string): string {
  return text.replace(RAW_CONTROL, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

export function findStackTrace(text: string): string | undefined {
  const frame = STACK_FRAME.exec(text);
  if (frame) return `stack frame "${showEscaped(frame[0].trim())}"`;
  const name = JS_ERROR.exec(text);
  if (name) return `JavaScript error name ${name[0]}`;
  return undefined;
}

/** The first raw control character and where it is, shown escaped. */
export function findRawControl(text: string): string | undefined {
  RAW_CONTROL.lastIndex = 0;
  const match = RAW_CONTROL.exec(text);
  if (!match) return undefined;
  const code = match[0].codePointAt(0) ?? 0;
  const around = showEscaped(text.slice(Math.max(0, match.index - 40), match.index + 40));
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} at offset ${match.index}: ${around}`;
}
