/** One account of an `/etc/passwd` file (only what user resolution needs: no password, home or shell). */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/** One group of an `/etc/group` file. */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/**
 * Go's `strconv.Atoi` as the runtime's parser uses it with the error ignored: an optional sign and
 * decimal digits, anything else reads as 0. Mirrored on purpose: a malformed UID field makes the
 * runtime see UID 0, so it must make us see root too.
 */
export function runtimeAtoi(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) return 0;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : 0;
}

/** Non-empty, whitespace-trimmed lines split on `:` (`bytes.TrimSpace` + `parseLine` of moby/sys/user). */
function fieldsOfLines(text: string): string[][] {
  const rows: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line !== '') rows.push(line.split(':'));
  }
  return rows;
}

/**
 * Parses passwd(5) the way runc/moby (`github.com/moby/sys/user`) do, since that is what decides the
 * container's UID: every non-empty line is an entry (no comment syntax), missing or non-numeric
 * numeric fields read as 0, and the first match wins when names repeat.
 */
export function parsePasswd(text: string): PasswdEntry[] {
  return fieldsOfLines(text).map((f) => ({
    name: f[0],
    uid: runtimeAtoi(f[2] ?? ''),
    gid: runtimeAtoi(f[3] ?? ''),
  }));
}

/** Parses group(5) like `parsePasswd`: `name:password:gid:member,member`. */
export function parseGroup(text: string): GroupEntry[] {
  return fieldsOfLines(text).map((f) => ({
    name: f[0],
    gid: runtimeAtoi(f[2] ?? ''),
    members: (f[3] ?? '').split(',').filter((m) => m !== ''),
  }));
}
