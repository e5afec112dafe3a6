import type { CheckDefinition, ReportFinding } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import { fileEvidence } from '../evidence.js';
import type { FactExtractor } from '../extractor.js';
import type { ModeFinding, PermissionsSection } from '../image-facts.js';
import type { LayerEntry } from '../../inspect/types.js';

const SETUID = 0o4000;
const SETGID = 0o2000;
const STICKY = 0o1000;
const OTHER_WRITE = 0o002;
/** Paths listed per kind; `counts` holds the full numbers. */
export const PERMISSIONS_LIST_CAP = 1000;

/** `[path, 'f' | 'd', mode, uid, gid]`: compact, since a hostile layer may hold many. */
type ModeRecord = [string, 'f' | 'd', number, number, number];
type LayerResult = ModeRecord[];
type Kind = 'setuid' | 'setgid' | 'worldWritable';

const CATEGORY = 'File permissions';
const CHECKS: readonly CheckDefinition[] = [
  {
    id: 'setuid-file',
    title: 'setuid file',
    severity: 'medium',
    category: CATEGORY,
    description:
      'A regular file of the final filesystem with the setuid bit (mode 4000): it runs with its owner’s privileges, a classic escalation path. Files a later layer deleted are not listed.',
    remedy: REMEDIES.setId,
  },
  {
    id: 'setgid-file',
    title: 'setgid file',
    severity: 'low',
    category: CATEGORY,
    description:
      'A regular file of the final filesystem with the setgid bit (mode 2000). setgid directories are not listed: on them the bit only makes new files inherit the group.',
    remedy: REMEDIES.setId,
  },
  {
    id: 'world-writable-file',
    title: 'World-writable file or directory',
    severity: 'medium',
    category: CATEGORY,
    description:
      'A regular file, or a directory without the sticky bit, that any user may write (o+w) in the final filesystem. Sticky directories such as `/tmp` (1777) and symlinks (whose mode means nothing) are not flagged.',
    remedy: REMEDIES.worldWritable,
  },
];

function isRegular(entry: Pick<LayerEntry, 'type'>): boolean {
  return entry.type === 'file';
}

/** The kinds a (path, type, mode) belongs to; empty for most entries. */
function kindsOf(type: 'f' | 'd', mode: number): Kind[] {
  const kinds: Kind[] = [];
  if (type === 'f' && mode & SETUID) kinds.push('setuid');
  if (type === 'f' && mode & SETGID) kinds.push('setgid');
  if (mode & OTHER_WRITE && !(type === 'd' && mode & STICKY)) kinds.push('worldWritable');
  return kinds;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

const MODE_ITEM = {
  type: 'object',
  required: ['path', 'mode', 'uid', 'gid', 'evidence'],
  additionalProperties: false,
  properties: {
    path: { type: 'string' },
    mode: { type: 'string', pattern: '^[0-7]{4}$', description: 'Octal permission bits, e.g. `4755`.' },
    uid: { type: 'integer' },
    gid: { type: 'integer' },
    evidence: { $ref: '#/$defs/evidence' },
  },
} as const;

const MODE_LIST = (description: string): object => ({
  type: 'array',
  description,
  maxItems: PERMISSIONS_LIST_CAP,
  items: MODE_ITEM,
});

/**
 * setuid/setgid files and world-writable paths of the final filesystem. The layer tables already
 * hold every mode; the collector only keeps owner ids (which the tables lack) of the few entries
 * whose mode matters, and `assemble` keeps those still present in the final filesystem.
 */
export const permissions: FactExtractor<LayerResult> = {
  id: 'permissions',
  version: 1,
  checks: CHECKS,
  schema: {
    permissions: {
      description: `setuid and setgid regular files, and world-writable files and non-sticky directories, of the final filesystem (sorted by path, at most ${PERMISSIONS_LIST_CAP} each; counts holds the totals).`,
      type: 'object',
      required: ['setuid', 'setgid', 'worldWritable', 'counts'],
      additionalProperties: false,
      properties: {
        setuid: MODE_LIST('Regular files with the setuid bit.'),
        setgid: MODE_LIST('Regular files with the setgid bit.'),
        worldWritable: MODE_LIST(
          'Regular files and directories without the sticky bit that are writable by others.',
        ),
        counts: {
          type: 'object',
          required: ['setuid', 'setgid', 'worldWritable'],
          additionalProperties: false,
          properties: {
            setuid: { type: 'integer', minimum: 0 },
            setgid: { type: 'integer', minimum: 0 },
            worldWritable: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  },
  wants(entry) {
    if (!isRegular(entry) && entry.type !== 'directory') return false;
    return kindsOf(isRegular(entry) ? 'f' : 'd', entry.mode).length > 0 ? 'header' : false;
  },
  collect() {
    const found: LayerResult = [];
    return {
      onEntry(entry) {
        found.push([entry.path, isRegular(entry) ? 'f' : 'd', entry.mode, entry.uid, entry.gid]);
      },
      finish: () => found,
    };
  },
  assemble({ layers, stack }) {
    const lists: Record<Kind, ModeFinding[]> = { setuid: [], setgid: [], worldWritable: [] };
    for (const { info, result } of layers) {
      // Within a layer a repeated path keeps its last entry, as the stack does.
      const last = new Map<string, ModeRecord>();
      for (const record of result) last.set(record[0], record);
      for (const [path, type, mode, uid, gid] of last.values()) {
        const final = stack.lookup(path);
        const kind = type === 'f' ? 'file' : 'directory';
        // Only the copy the final filesystem shows: deleted or replaced copies are no runtime risk.
        if (!final || final.layer !== info.index || final.kind !== kind || final.mode !== mode) continue;
        for (const k of kindsOf(type, mode)) {
          lists[k].push({
            path: `/${path}`,
            mode: octal(mode),
            uid,
            gid,
            evidence: fileEvidence(info, path, stack, {
              detail: `${kind} mode ${octal(mode)}, owner ${uid}:${gid}`,
            }),
          });
        }
      }
    }
    const byPath = (a: ModeFinding, b: ModeFinding): number =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    const section: PermissionsSection = {
      setuid: lists.setuid.sort(byPath).slice(0, PERMISSIONS_LIST_CAP),
      setgid: lists.setgid.sort(byPath).slice(0, PERMISSIONS_LIST_CAP),
      worldWritable: lists.worldWritable.sort(byPath).slice(0, PERMISSIONS_LIST_CAP),
      counts: {
        setuid: lists.setuid.length,
        setgid: lists.setgid.length,
        worldWritable: lists.worldWritable.length,
      },
    };
    return { permissions: section };
  },
  findings(facts) {
    const p = facts.permissions;
    if (!p) return [];
    const out: ReportFinding[] = [];
    const emit = (
      id: string,
      items: ModeFinding[],
      total: number,
      what: (item: ModeFinding) => string,
    ): void => {
      const check = CHECKS.find((c) => c.id === id) as CheckDefinition;
      items.forEach((item, i) => {
        const more =
          i === items.length - 1 && total > items.length
            ? ` (and ${total - items.length} more not listed)`
            : '';
        out.push({
          check: id,
          severity: check.severity,
          category: check.category,
          message: `${item.path} ${what(item)} (mode ${item.mode}, owner ${item.uid}:${item.gid})${more}`,
          evidence: [item.evidence],
        });
      });
    };
    emit('setuid-file', p.setuid, p.counts.setuid, () => 'is setuid');
    emit('setgid-file', p.setgid, p.counts.setgid, () => 'is setgid');
    emit('world-writable-file', p.worldWritable, p.counts.worldWritable, (item) =>
      item.evidence.detail?.startsWith('directory')
        ? 'is a world-writable directory without the sticky bit'
        : 'is world-writable',
    );
    return out;
  },
};
