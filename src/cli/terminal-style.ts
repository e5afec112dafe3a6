/**
 * The table report as a terminal shows it: wrapped to its width and, unless NO_COLOR is set,
 * with severities and decisions in colour. Runs after the renderers escaped every line, so the
 * only escape codes in the output are the ones added here, around words pushgate itself wrote.
 */

const COLOURS: Record<string, string> = {
  CRITICAL: '\x1b[1;31m',
  HIGH: '\x1b[31m',
  MEDIUM: '\x1b[33m',
  LOW: '\x1b[36m',
  INFO: '\x1b[2m',
  REJECT: '\x1b[1;31m',
  ERROR: '\x1b[1;31m',
  FAIL: '\x1b[31m',
  WARN: '\x1b[33m',
  TAG: '\x1b[33m',
  PASS: '\x1b[32m',
  SKIP: '\x1b[2m',
};
const RESET = '\x1b[0m';

/** NO_COLOR (https://no-color.org): set and not empty means no colour. */
export function wantsColour(env: NodeJS.ProcessEnv, isTty: boolean | undefined): boolean {
  return isTty === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

/** Lines longer than `width` broken at spaces, continuations indented past the line's own indent. */
export function wrapLines(text: string, width: number): string {
  if (!Number.isFinite(width) || width < 40) return text;
  return text
    .split('\n')
    .flatMap((line) => {
      if ([...line].length <= width) return [line];
      const indent = ' '.repeat(Math.min((/^ */.exec(line)?.[0].length ?? 0) + 4, width / 2));
      const out: string[] = [];
      let rest = line;
      let first = true;
      while ([...rest].length > width) {
        const room = first ? width : width;
        let cut = rest.lastIndexOf(' ', room);
        if (cut <= indent.length) cut = room; // a long word (a digest, a path): break it
        out.push(rest.slice(0, cut).trimEnd());
        rest = indent + rest.slice(cut).trimStart();
        first = false;
      }
      out.push(rest);
      return out;
    })
    .join('\n');
}

/** Severity and decision words at their places in the table (a finding's head, a policy's result). */
export function colourise(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line.replace(
        /^( {2,10})(CRITICAL|HIGH|MEDIUM|LOW|INFO|FAIL|WARN|PASS|SKIP|ERROR)(?= )|^(Decision {2})(PASS|REJECT|TAG|WARN|ERROR)$/,
        (_all, indent?: string, word?: string, label?: string, decision?: string) =>
          label !== undefined
            ? `${label}${COLOURS[decision!]}${decision}${RESET}`
            : `${indent}${COLOURS[word!]}${word}${RESET}`,
      ),
    )
    .join('\n');
}

export function styleForTerminal(text: string, options: { colour: boolean; width?: number }): string {
  const wrapped = options.width ? wrapLines(text, options.width) : text;
  return options.colour ? colourise(wrapped) : wrapped;
}
