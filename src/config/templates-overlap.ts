/** Same placeholder syntax as tag-template.ts (not exported there). */
const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;
/** What a placeholder can render, one character: the class `templatePattern` matches it with. */
const RENDERED = /^[A-Za-z0-9_./-]$/;

/** One position of a template: a literal character, or one rendered character (`star`: any number). */
interface Item {
  char?: string;
  star: boolean;
}

function items(template: string): Item[] {
  const out: Item[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    for (const char of template.slice(last, match.index)) out.push({ char, star: false });
    // A placeholder renders one or more characters: one, then any number.
    out.push({ star: false }, { star: true });
    last = match.index + match[0].length;
  }
  for (const char of template.slice(last)) out.push({ char, star: false });
  return out;
}

function closure(list: Item[], from: number): number[] {
  const states = [from];
  for (let i = from; i < list.length && list[i].star; i++) states.push(i + 1);
  return states;
}

function compatible(a: Item, b: Item): boolean {
  if (a.char !== undefined && b.char !== undefined) return a.char === b.char;
  if (a.char !== undefined) return RENDERED.test(a.char);
  if (b.char !== undefined) return RENDERED.test(b.char);
  return true;
}

/**
 * Whether some tag could be rendered by both templates (`x-{{tag}}` and `{{tag}}-x` both give
 * `x-a-x`), decided exactly by walking the two patterns' automata side by side. Templates that
 * overlap cannot tell pushgate which of its own writes a tag is.
 */
export function templatesOverlap(a: string, b: string): boolean {
  const left = items(a);
  const right = items(b);
  const seen = new Set<string>(['0,0']);
  const pending: Array<[number, number]> = [[0, 0]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    for (const i of closure(left, pair[0])) {
      for (const j of closure(right, pair[1])) {
        if (i === left.length && j === right.length) return true;
        if (i === left.length || j === right.length || !compatible(left[i], right[j])) continue;
        const next: [number, number] = [left[i].star ? i : i + 1, right[j].star ? j : j + 1];
        const key = `${next[0]},${next[1]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        pending.push(next);
      }
    }
  }
  return false;
}
