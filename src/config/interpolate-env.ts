import { isRecord } from '../is-record.js';
import type { KeyPath } from '../policy/yaml-positions.js';
import { toPointer, type ConfigProblem } from './config-problem.js';

export interface InterpolationResult {
  /** A copy of the input with every `${…}` in a string value replaced. */
  value: unknown;
  /** JSON Pointers of the string values that held an expression (their types may be coerced). */
  interpolated: Set<string>;
  problems: ConfigProblem[];
}

// `$${` is a literal `${`; a lone `$` elsewhere stays as written, so a password such as `pa$$word`
// is never changed behind the user's back.
const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const EXPRESSION = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

function interpolateString(
  text: string,
  path: KeyPath,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
): { text: string; changed: boolean } {
  if (!text.includes('${')) return { text, changed: false };
  let changed = false;
  const out = text.replace(TOKEN, (token: string, body: string | undefined) => {
    changed = true;
    if (token === '$${') return '${';
    if (body === undefined) {
      problems.push({ path, message: 'unterminated ${…} expression (write $${ for a literal "${")' });
      return token;
    }
    const match = EXPRESSION.exec(body);
    if (!match) {
      // The body is not quoted: a malformed expression may hold a default that is a secret.
      problems.push({
        path,
        message: 'malformed ${…} expression: write ${NAME} or ${NAME:-default} (NAME: letters, digits, _)',
      });
      return token;
    }
    const [, name, fallback] = match;
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) {
      problems.push({
        path,
        message: `environment variable ${name} is not set (and no :-default is given)`,
      });
      return token;
    }
    return value;
  });
  return { text: out, changed };
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value (never in keys) with the
 * environment's value, so passwords and tokens can stay out of the file. `:-` uses the default when
 * the variable is unset or empty, as in shells and Compose. An unset variable without a default is a
 * problem naming the variable and the config path, never a value.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv): InterpolationResult {
  const interpolated = new Set<string>();
  const problems: ConfigProblem[] = [];
  const walk = (node: unknown, path: KeyPath): unknown => {
    if (typeof node === 'string') {
      const result = interpolateString(node, path, env, problems);
      if (result.changed) interpolated.add(toPointer(path));
      return result.text;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (isRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) {
        // defineProperty: a `__proto__` key must stay data (the schema then refuses it), not a prototype.
        Object.defineProperty(out, key, {
          value: walk(item, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return node;
  };
  return { value: walk(value, []), interpolated, problems };
}
