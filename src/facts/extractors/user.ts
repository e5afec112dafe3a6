import type { CheckDefinition, ReportFinding } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import type { Evidence } from '../evidence.js';
import { fileEvidence } from '../evidence.js';
import type { AssembleInput, FactExtractor } from '../extractor.js';
import type { UserSection } from '../image-facts.js';
import type { GroupEntry, PasswdEntry } from '../user/passwd.js';
import { parseGroup, parsePasswd } from '../user/passwd.js';
import { resolveUser } from '../user/resolve-user.js';

const PASSWD = 'etc/passwd';
const GROUP = 'etc/group';
/** Account files are small; a bigger one is read up to this cap and said to be truncated. */
export const ACCOUNT_FILE_CAP = 1024 * 1024;

type AccountFile =
  | { kind: 'passwd'; entries: PasswdEntry[]; truncated: boolean }
  | { kind: 'group'; entries: GroupEntry[]; truncated: boolean };
/** Per layer: the account files it wrote, by path. */
type LayerResult = Record<string, AccountFile>;

const CATEGORY = 'User';

const CHECKS: readonly CheckDefinition[] = [
  {
    id: 'root-user',
    title: 'Container runs as root',
    severity: 'high',
    category: CATEGORY,
    description:
      'The config `User` resolves to UID 0: unset or empty (implicit), `root`, `0`, `0:0`, `root:root`, or a name that the image’s final `/etc/passwd` maps to UID 0. Resolved as Docker/runc resolve it.',
    remedy: REMEDIES.rootUser,
  },
  {
    id: 'root-group-user',
    title: 'Non-root user in the root group',
    severity: 'low',
    category: CATEGORY,
    description:
      'A non-root UID whose group is GID 0 because `User` says so (`1000:0`, `app:root`) or `/etc/passwd`/`/etc/group` make GID 0 its primary or supplementary group. The runtime default GID 0 of a numeric UID without a passwd entry is not flagged.',
    remedy: REMEDIES.rootGroup,
  },
  {
    id: 'unknown-user',
    title: 'User or group the image does not define',
    severity: 'medium',
    category: CATEGORY,
    description:
      'The config `User` names an account missing from the final `/etc/passwd` (or a group missing from `/etc/group`, or an id out of range): the runtime refuses to start the container. Numeric ids without an entry are fine.',
    remedy: REMEDIES.unknownUser,
  },
];

function readAccountFile(path: string, content: Buffer, size: number): AccountFile {
  const text = content.toString('utf8');
  const truncated = size > content.length;
  return path === PASSWD
    ? { kind: 'passwd', entries: parsePasswd(text), truncated }
    : { kind: 'group', entries: parseGroup(text), truncated };
}

/** The copy of `path` the runtime reads (final filesystem, symlinks followed), with its evidence. */
function finalAccountFile(
  { layers, stack }: AssembleInput<LayerResult>,
  path: string,
): { file?: AccountFile; evidence?: Evidence; note?: string } {
  const resolved = stack.resolve(path);
  if (resolved && resolved.entry.kind === 'file' && resolved.entry.layer >= 0) {
    const layer = layers[resolved.entry.layer];
    const file = layer?.result[resolved.path];
    const evidence = fileEvidence(layer.info, resolved.path, stack);
    if (file) return { file, evidence };
    // Resolved through a symlink to a path the collector does not read.
    return { evidence, note: `/${path} resolves to /${resolved.path}, which pushgate does not read` };
  }
  // None in the final filesystem: show the last copy a later layer deleted, if any.
  for (let i = layers.length - 1; i >= 0; i--) {
    if (layers[i].result[path]) {
      return {
        evidence: fileEvidence(layers[i].info, path, stack),
        note: `/${path} of layer ${i} is not in the final filesystem`,
      };
    }
  }
  return {};
}

/**
 * The user containers of the image run as: `config.User` resolved against the final `/etc/passwd`
 * and `/etc/group` (the copies the runtime reads), with why.
 */
export const user: FactExtractor<LayerResult> = {
  id: 'user',
  version: 1,
  checks: CHECKS,
  schema: {
    user: {
      description:
        'The user containers run as, resolved like Docker/runc resolve `config.User` against the final /etc/passwd and /etc/group.',
      type: 'object',
      required: [
        'configured',
        'explicit',
        'name',
        'uid',
        'gid',
        'root',
        'rootGroup',
        'unknownName',
        'reason',
        'evidence',
      ],
      additionalProperties: false,
      properties: {
        configured: {
          type: ['string', 'null'],
          description: 'USER as written in the config; null when unset.',
        },
        explicit: { type: 'boolean', description: 'USER is set (even to root).' },
        name: { type: ['string', 'null'] },
        uid: { type: ['integer', 'null'] },
        gid: {
          type: ['integer', 'null'],
          description:
            'Primary GID; 0 by runtime default for a numeric UID without a passwd entry when USER names no group.',
        },
        root: { type: 'boolean', description: 'Runs as UID 0.' },
        rootGroup: {
          type: 'boolean',
          description: 'Non-root UID whose GID 0 USER or the account files chose (not the runtime default).',
        },
        unknownName: {
          type: 'boolean',
          description:
            'USER names a user or group the image lacks (or an id out of range): the container cannot start.',
        },
        reason: { type: 'string' },
        evidence: { type: 'array', items: { $ref: '#/$defs/evidence' } },
      },
    },
  },
  wants(entry) {
    return entry.type === 'file' && (entry.path === PASSWD || entry.path === GROUP)
      ? { content: ACCOUNT_FILE_CAP }
      : false;
  },
  collect() {
    const found: LayerResult = {};
    return {
      onEntry(entry, content) {
        found[entry.path] = readAccountFile(entry.path, content ?? Buffer.alloc(0), entry.size);
      },
      finish: () => found,
    };
  },
  assemble(input) {
    const configured = input.config.config?.User ?? '';
    const passwd = finalAccountFile(input, PASSWD);
    const group = finalAccountFile(input, GROUP);
    const passwdEntries = passwd.file?.kind === 'passwd' ? passwd.file.entries : undefined;
    const groupEntries = group.file?.kind === 'group' ? group.file.entries : undefined;
    const resolved = resolveUser(configured, passwdEntries, groupEntries);

    const extra: string[] = [];
    if (passwd.note) extra.push(passwd.note);
    if (passwd.file?.truncated) extra.push(`/etc/passwd was read up to ${ACCOUNT_FILE_CAP} bytes only`);
    if (resolved.groupConsulted && group.note) extra.push(group.note);
    if (resolved.groupConsulted && group.file?.truncated) {
      extra.push(`/etc/group was read up to ${ACCOUNT_FILE_CAP} bytes only`);
    }

    const evidence: Evidence[] = [
      {
        kind: 'config',
        path: 'User',
        state: 'present',
        detail: configured === '' ? 'not set' : `USER ${configured}`,
      },
    ];
    if (passwd.evidence) {
      const m = resolved.passwdMatch;
      const detail = m
        ? `${m.name}:x:${m.uid}:${m.gid}`
        : passwd.file
          ? 'no matching account'
          : (passwd.note ?? 'not read');
      evidence.push({ ...passwd.evidence, detail });
    }
    if (resolved.groupConsulted && group.evidence) {
      evidence.push({
        ...group.evidence,
        detail: group.file
          ? resolved.supplementaryGids.length > 0
            ? `supplementary GIDs ${resolved.supplementaryGids.join(', ')}`
            : `GID ${resolved.gid ?? 'unresolved'}`
          : (group.note ?? 'not read'),
      });
    }

    const section: UserSection = {
      configured: configured === '' ? null : configured,
      explicit: resolved.explicit,
      name: resolved.name,
      uid: resolved.uid,
      gid: resolved.gid,
      root: resolved.root,
      rootGroup: resolved.rootGroup,
      unknownName: resolved.unknownName,
      reason: extra.length > 0 ? `${resolved.reason} (${extra.join('; ')})` : resolved.reason,
      evidence,
    };
    return { user: section };
  },
  findings(facts) {
    const u = facts.user;
    if (!u) return [];
    const out: ReportFinding[] = [];
    const finding = (id: string, message: string): void => {
      const check = CHECKS.find((c) => c.id === id) as CheckDefinition;
      out.push({
        check: id,
        severity: check.severity,
        category: check.category,
        message,
        evidence: u.evidence,
      });
    };
    if (u.root) finding('root-user', `runs as root (${u.explicit ? 'explicit' : 'implicit'}): ${u.reason}`);
    if (u.rootGroup) finding('root-group-user', `UID ${u.uid} is in the root group: ${u.reason}`);
    if (u.unknownName) finding('unknown-user', `USER cannot be resolved: ${u.reason}`);
    return out;
  },
};
