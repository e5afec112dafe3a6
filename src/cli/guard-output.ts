import { escapeLines } from '../escape-text.js';

const RAW = new WeakMap<object, NodeJS.WriteStream>();

/**
 * The CLI's last line of defence against terminal escapes: `stream` with every string written to
 * it passed through `escapeLines`, so no control character other than the newline, no C1 and no
 * bidi control reaches the terminal from any command, whatever a renderer forgot. Renderers still
 * escape their own lines (a newline inside a value must not start a line, and `--output` files
 * do not pass through here); escaping is idempotent, so text already escaped prints unchanged.
 */
export function guardOutput(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  const guarded = new Proxy(stream, {
    get(target, property) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]): boolean =>
          (target.write as (...args: unknown[]) => boolean)(
            typeof chunk === 'string' ? escapeLines(chunk) : chunk,
            ...rest,
          );
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  RAW.set(guarded, stream);
  return guarded;
}

/**
 * The stream under a guard, for the one writer that draws with its own cursor codes (the progress
 * display), which escapes what it draws itself.
 */
export function unguardedOutput(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return RAW.get(stream) ?? stream;
}
