import { escapeJson } from '../../escape-text.js';

const SCRIPT_BREAKERS: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
};

/**
 * A value as the body of `<script type="application/json">`: the HTML parser ends a script
 * element at the first `</script` whatever the JSON means, and `<!--` changes how it looks for
 * the end; `<`, `>` and `&` written as `\u003c`… (inside strings, where alone they can occur in
 * JSON) parse to the same value and cannot do either. Controls and bidi marks as in JSON reports.
 */
export function inlineJson(value: unknown): string {
  return escapeJson(JSON.stringify(value)).replace(/[<>&]/g, (ch) => SCRIPT_BREAKERS[ch]);
}
