/** Longest rendered message: messages go into logs, tags' annotations and PR comments. */
export const MAX_MESSAGE_LENGTH = 300;

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\s*\}\}/g;

function lookup(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A readable label for one item: findings have `name`; files, secrets and leftovers `path` or `rule`. */
function label(item: unknown): string | undefined {
  if (item === null || item === undefined) return undefined;
  if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return String(item);
  if (typeof item === 'object' && !Array.isArray(item)) {
    const record = item as Record<string, unknown>;
    for (const key of ['name', 'path', 'rule', 'id']) {
      if (typeof record[key] === 'string' || typeof record[key] === 'number') return String(record[key]);
    }
  }
  return undefined;
}

function readable(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const names = value.map(label).filter((name): name is string => name !== undefined);
    // Tools found by several pieces of evidence appear once per name.
    return [...new Set(names)].join(', ');
  }
  return label(value);
}

/**
 * Fills `{{dotted.path}}` placeholders from the facts: arrays of objects become their names joined
 * with ", ", scalars their value. Unknown or unrenderable placeholders stay as written so the
 * author sees what did not resolve. The result is capped at {@link MAX_MESSAGE_LENGTH} characters.
 */
export function renderMessage(template: string, facts: unknown): string {
  const rendered = template.replace(
    PLACEHOLDER,
    (whole, path: string) => readable(lookup(facts, path)) ?? whole,
  );
  return rendered.length > MAX_MESSAGE_LENGTH ? `${rendered.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : rendered;
}
