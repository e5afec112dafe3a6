/**
 * What is wrong with a JSON text, without the text: V8's JSON.parse messages quote the input
 * around the fault (`Unexpected token 'x', "…AKIA…" is not valid JSON`), and image documents may
 * hold secrets and control characters. Only the position, or that the text ended, is kept.
 */
export function jsonSyntaxProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const position = /at position (\d+)/.exec(message);
  if (position) return `syntax error at position ${position[1]}`;
  if (/end of JSON input/i.test(message)) return 'the text ends too early';
  return 'syntax error';
}
