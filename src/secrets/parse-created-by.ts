/** A history `created_by` split into the `NAME=value` pairs it sets and the command text it runs. */
export interface CreatedByParts {
  /** Build arguments (`|N A=1 …`) and ARG/ENV/LABEL pairs. */
  pairs: Array<[string, string]>;
  /** The command text (empty for ARG/ENV/LABEL steps). */
  rest: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `A=1 B="two words" C=3` → pairs, honouring double and single quotes; undefined when not of that form. */
function splitAssignments(body: string): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ' || body[i] === '\t') i++;
    if (i >= body.length) break;
    const eq = body.indexOf('=', i);
    if (eq < 0) return undefined;
    const name = body.slice(i, eq);
    if (!NAME.test(name)) return undefined;
    i = eq + 1;
    let value = '';
    while (i < body.length && body[i] !== ' ' && body[i] !== '\t') {
      const quote = body[i];
      if (quote === '"' || quote === "'") {
        const close = body.indexOf(quote, i + 1);
        const end = close < 0 ? body.length : close;
        value += body.slice(i + 1, end);
        i = end + 1;
      } else {
        value += body[i++];
      }
    }
    pairs.push([name, value]);
  }
  return pairs;
}

/**
 * Splits `created_by` as the classic builder (`/bin/sh -c #(nop)  ENV A=1`, `|1 TOKEN=x /bin/sh -c …`)
 * and BuildKit (`ENV A=1 B=2`, `RUN |1 TOKEN=x /bin/sh -c … # buildkit`) write it.
 */
export function parseCreatedBy(createdBy: string): CreatedByParts {
  let text = createdBy.replace(/^RUN\s+/, '');
  const pairs: Array<[string, string]> = [];
  const args = /^\|(\d+) /.exec(text);
  if (args) {
    text = text.slice(args[0].length);
    for (let i = 0; i < Number(args[1]) && text !== ''; i++) {
      const space = text.indexOf(' ');
      const token = space < 0 ? text : text.slice(0, space);
      text = space < 0 ? '' : text.slice(space + 1);
      const eq = token.indexOf('=');
      if (eq > 0) pairs.push([token.slice(0, eq), token.slice(eq + 1)]);
    }
  }
  const instruction = /^\/bin\/sh -c #\(nop\)\s+(ARG|ENV|LABEL)\s+(.*)$|^(ARG|ENV|LABEL)\s+(.*)$/s.exec(text);
  if (instruction) {
    const body = (instruction[2] ?? instruction[4]).trim();
    const assignments = splitAssignments(body);
    if (assignments) {
      pairs.push(...assignments);
    } else {
      // One pair whose value is the rest of the line: the legacy `ENV NAME value with spaces`, and
      // the classic builder's record of `ENV NAME="a b c"` (quotes stripped: `ENV NAME=a b c`).
      const legacy = /^([A-Za-z_][A-Za-z0-9_.-]*)[= ](.*)$/s.exec(body);
      if (legacy) pairs.push([legacy[1], legacy[2].replace(/^"(.*)"$/s, '$1')]);
    }
    return { pairs, rest: '' };
  }
  return { pairs, rest: text };
}
