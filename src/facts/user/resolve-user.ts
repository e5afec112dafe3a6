import type { UserSection } from '../image-facts.js';
import type { GroupEntry, PasswdEntry } from './passwd.js';

/**
 * The user a container of the image starts as, resolved the way the runtime resolves it: the
 * `user` facts section's resolution fields (documented there), plus what the resolver consulted.
 */
export interface ResolvedUser extends Pick<
  UserSection,
  'explicit' | 'name' | 'uid' | 'gid' | 'root' | 'rootGroup' | 'unknownName' | 'reason'
> {
  /** The passwd entry that matched, if any. */
  passwdMatch: PasswdEntry | null;
  /** Whether the group file decided something (USER names a group, or it lists the user in groups). */
  groupConsulted: boolean;
  /** Groups listing the user as a member (applied only when USER names no group). */
  supplementaryGids: number[];
}

/** Largest id runc accepts (`maxID` of moby/sys/user). */
const MAX_ID = 2 ** 31 - 1;
const NUMERIC = /^[+-]?[0-9]+$/;

/** Go `strconv.Atoi` success test plus value; undefined when the text is not a number. */
function numeric(text: string): number | undefined {
  if (!NUMERIC.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/**
 * Resolves `config.User` against the image's `/etc/passwd` and `/etc/group` (undefined when the
 * final filesystem has none), following `GetExecUser` of `github.com/moby/sys/user`, which Docker
 * and runc use:
 * - `user[:group]`; a numeric part is always an id, even when an account has that number as its name;
 * - unset or empty: UID 0, with the name and GID of the first passwd line whose UID is 0;
 * - a name missing from passwd (also `root` in an image without passwd) is an error: the
 *   container does not start;
 * - a numeric UID missing from passwd is fine; its GID is then the runtime default 0 unless USER
 *   names a group. That default is reported in `gid` but not as `rootGroup`: it is how every
 *   scratch/distroless `USER 65532` image runs, and the image did not choose it.
 */
export function resolveUser(
  configured: string | null | undefined,
  passwd: readonly PasswdEntry[] | undefined,
  group: readonly GroupEntry[] | undefined,
): ResolvedUser {
  const spec = configured ?? '';
  const explicit = spec !== '';
  const [userArg, groupArg = ''] = spec.split(':');
  const uidArg = numeric(userArg);
  const gidArg = numeric(groupArg);
  const shown = explicit ? `USER ${quote(spec)}` : 'USER is not set, so';

  const failed = (
    why: string,
    name: string | null,
    knownUid: number | null = null,
    match: PasswdEntry | null = null,
  ): ResolvedUser => ({
    explicit,
    name,
    uid: knownUid,
    gid: null,
    root: false,
    rootGroup: false,
    unknownName: true,
    reason: `${shown}: ${why}; the runtime refuses to start the container.`,
    passwdMatch: match,
    groupConsulted: groupArg !== '',
    supplementaryGids: [],
  });

  let uid = 0;
  let gid = 0;
  let name: string | null = null;
  let match: PasswdEntry | null = null;
  const how: string[] = [];
  if (passwd !== undefined) {
    match =
      passwd.find((u) =>
        userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg,
      ) ?? null;
  }
  if (match) {
    name = match.name;
    uid = match.uid;
    gid = match.gid;
    how.push(
      uidArg !== undefined || userArg === ''
        ? `UID ${uid} is ${quote(name)} in /etc/passwd (primary GID ${gid})`
        : `/etc/passwd maps ${quote(name)} to UID ${uid}, primary GID ${gid}`,
    );
  } else if (userArg !== '') {
    if (uidArg === undefined) {
      return failed(
        passwd === undefined
          ? `the image has no /etc/passwd to resolve the name ${quote(userArg)}`
          : `/etc/passwd has no account named ${quote(userArg)}`,
        userArg,
      );
    }
    if (uidArg < 0 || uidArg > MAX_ID) return failed(`UID ${userArg} is out of range`, null);
    uid = uidArg;
    how.push(
      passwd === undefined
        ? `numeric UID ${uid} (the image has no /etc/passwd)`
        : `numeric UID ${uid} (no /etc/passwd entry, which is fine for a number)`,
    );
  } else {
    how.push(
      passwd === undefined ? 'UID 0 (the image has no /etc/passwd)' : 'UID 0 (no /etc/passwd line has UID 0)',
    );
  }

  let gidChosen = match !== null;
  let groupConsulted = false;
  const supplementaryGids: number[] = [];
  if (groupArg !== '') {
    groupConsulted = true;
    const found = group?.find((g) => (gidArg !== undefined ? g.gid === gidArg : g.name === groupArg));
    if (found) {
      gid = found.gid;
      how.push(
        gidArg !== undefined
          ? `GID ${gid} is ${quote(found.name)} in /etc/group`
          : `group ${quote(groupArg)} is GID ${gid} in /etc/group`,
      );
    } else if (gidArg === undefined) {
      return failed(
        group === undefined
          ? `the image has no /etc/group to resolve the group ${quote(groupArg)}`
          : `/etc/group has no group named ${quote(groupArg)}`,
        name ?? (userArg === '' ? null : userArg),
        uid,
        match,
      );
    } else if (gidArg < 0 || gidArg > MAX_ID) {
      return failed(`GID ${groupArg} is out of range`, name, uid, match);
    } else {
      gid = gidArg;
      how.push(`numeric GID ${gid}`);
    }
    gidChosen = true;
  } else if (match && group !== undefined) {
    for (const g of group) if (g.members.includes(match.name)) supplementaryGids.push(g.gid);
    groupConsulted = supplementaryGids.length > 0;
    if (supplementaryGids.length > 0)
      how.push(`member of GIDs ${supplementaryGids.join(', ')} in /etc/group`);
  }
  if (!gidChosen) how.push(`GID ${gid} by runtime default`);

  const root = uid === 0;
  const rootGroup = !root && ((gidChosen && gid === 0) || supplementaryGids.includes(0));
  let verdict: string;
  if (root) verdict = explicit ? 'runs as root' : 'the container runs as root (UID 0) by default';
  else if (rootGroup)
    verdict = `runs as UID ${uid} in the root group (GID 0), so it can write root-group files`;
  else verdict = `runs as non-root UID ${uid}`;
  return {
    explicit,
    name,
    uid,
    gid,
    root,
    rootGroup,
    unknownName: false,
    reason: `${shown} ${verdict}: ${how.join('; ')}.`,
    passwdMatch: match,
    groupConsulted,
    supplementaryGids,
  };
}
