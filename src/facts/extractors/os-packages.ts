import type { CheckDefinition, ReportFinding } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import { fileEvidence, type Evidence } from '../evidence.js';
import type { FactExtractor } from '../extractor.js';
import type { InstalledPackage, PackagesSection } from '../image-facts.js';
import type { LayerStack } from '../../inspect/layer-stack.js';
import type { LayerInfo } from '../../inspect/types.js';
import { parseApkInstalled, parseDpkgStatus, type DbPackage } from '../tools/package-db.js';
import { parseRpmHeader } from '../tools/rpm-header.js';
import { SqliteReader } from '../tools/sqlite-reader.js';

type Manager = InstalledPackage['manager'];

/** One layer's copy of one package database. */
interface DbCopy {
  manager: Manager;
  format: string;
  packages: DbPackage[];
  /** Why the copy was read partly or not at all (content cap, corrupt file). */
  problem?: string;
}

interface LayerResult {
  dbs: Record<string, DbCopy>;
  /** Databases recognised but not read (rpm BerkeleyDB / NDB, SQLite write-ahead logs), by path. */
  unreadable: Record<string, { format: string; reason: string }>;
}

const DPKG_STATUS = 'var/lib/dpkg/status';
const DPKG_STATUS_D = /^var\/lib\/dpkg\/status\.d\/[^/]+$/;
const APK_DBS = new Set(['lib/apk/db/installed', 'usr/lib/apk/db/installed']);
const RPM_DIR =
  /^(?:var\/lib|usr\/lib\/sysimage|usr\/share)\/rpm\/(rpmdb\.sqlite(?:-wal)?|Packages(?:\.db)?)$/;

/** Text databases are read whole; the walker's per-file cap (4 MiB by default) may cut them, which is reported. */
const TEXT_DB_BYTES = 64 * 1024 * 1024;
const STATUS_D_BYTES = 1024 * 1024;
const RPM_SQLITE_BYTES = 64 * 1024 * 1024;

const UNREAD_CHECK: CheckDefinition = {
  id: 'package-database-unread',
  title: 'Package database not read',
  severity: 'info',
  category: 'OS packages',
  description:
    'A package database in the final image that pushgate found but could not read: rpm BerkeleyDB (`Packages`) and NDB (`Packages.db`) formats are not parsed, a SQLite write-ahead log is not replayed, and a database larger than the per-file content cap or corrupt is read partly or not at all. Package-based detection is incomplete for such images; binaries and history are still checked.',
  remedy: REMEDIES.packageDatabase,
};

function parseCopy(path: string, content: Buffer, size: number): DbCopy {
  const complete = content.length >= size;
  const cut = complete
    ? undefined
    : `only the first ${content.length} of ${size} bytes were read (per-file content cap)`;
  if (path === DPKG_STATUS || DPKG_STATUS_D.test(path)) {
    const format = path === DPKG_STATUS ? 'dpkg-status' : 'dpkg-status.d';
    return {
      manager: 'dpkg',
      format,
      packages: parseDpkgStatus(content.toString('utf8'), complete),
      ...(cut ? { problem: cut } : {}),
    };
  }
  if (APK_DBS.has(path)) {
    const packages = parseApkInstalled(content.toString('utf8'), undefined, complete).map(
      ({ files: _files, ...pkg }) => pkg,
    );
    return { manager: 'apk', format: 'apk-installed', packages, ...(cut ? { problem: cut } : {}) };
  }
  if (cut)
    return {
      manager: 'rpm',
      format: 'rpm-sqlite',
      packages: [],
      problem: `${cut}; a cut SQLite file cannot be read`,
    };
  try {
    const packages: DbPackage[] = [];
    for (const row of new SqliteReader(content, `/${path}`).rows('Packages')) {
      const blob = row.find((value): value is Buffer => Buffer.isBuffer(value));
      const parsed = blob ? parseRpmHeader(blob) : undefined;
      if (parsed) packages.push(parsed);
    }
    return { manager: 'rpm', format: 'rpm-sqlite', packages };
  } catch (err) {
    return {
      manager: 'rpm',
      format: 'rpm-sqlite',
      packages: [],
      problem: err instanceof Error ? err.message : String(err),
    };
  }
}

function unreadableRpm(name: string): { format: string; reason: string } | undefined {
  if (name === 'Packages') return { format: 'rpm-bdb', reason: 'rpm BerkeleyDB databases are not read' };
  if (name === 'Packages.db') return { format: 'rpm-ndb', reason: 'rpm NDB databases are not read' };
  if (name === 'rpmdb.sqlite-wal') {
    return {
      format: 'rpm-sqlite-wal',
      reason:
        'the SQLite write-ahead log is not replayed: packages changed since the last checkpoint may be missing',
    };
  }
  return undefined;
}

interface Tracked {
  first: number;
  manager: Manager;
  pkg: DbPackage;
}

/** Installed packages of every database path, with the layer that first listed each and its fate. */
function assemblePath(
  path: string,
  layers: ReadonlyArray<{ info: LayerInfo; result: LayerResult }>,
  stack: LayerStack,
  items: InstalledPackage[],
): void {
  const live = new Map<string, Tracked>();
  const removed: Array<Tracked & { byLayer: number; why: string }> = [];
  let lastCopy = -1;
  for (const { info, result } of layers) {
    const copy = result?.dbs?.[path];
    if (!copy) continue;
    lastCopy = info.index;
    const keys = new Map(copy.packages.map((pkg) => [`${pkg.name}\0${pkg.architecture ?? ''}`, pkg]));
    // A copy read partly (or not at all) can add packages but never proves one was removed.
    if (copy.problem === undefined) {
      for (const [key, tracked] of live) {
        if (!keys.has(key)) {
          removed.push({
            ...tracked,
            byLayer: info.index,
            why: `no longer listed by the copy of /${path} in layer ${info.index}`,
          });
          live.delete(key);
        }
      }
    }
    for (const [key, pkg] of keys) {
      const tracked = live.get(key);
      if (tracked) tracked.pkg = pkg;
      else live.set(key, { first: info.index, manager: copy.manager, pkg });
    }
  }
  if (lastCopy === -1) return;
  const fate = stack.fate(lastCopy, path);
  if (fate && fate.state !== 'present') {
    const final = stack.lookup(path);
    // Replaced by something we did not parse (a directory, a symlink): the database is gone all the same.
    const gone = final === undefined || layers[final.layer]?.result?.dbs?.[path] === undefined;
    if (gone) {
      for (const tracked of live.values()) {
        removed.push({
          ...tracked,
          byLayer: fate.byLayer,
          why: `/${path} deleted by layer ${fate.byLayer}; files may remain`,
        });
      }
      live.clear();
    }
  }
  const make = (tracked: Tracked, gone?: { byLayer: number; why: string }): InstalledPackage => {
    const { pkg } = tracked;
    const base = fileEvidence(layers[tracked.first].info, path, stack, {
      kind: 'package',
      package: pkg.name,
      detail: gone ? `${pkg.name} ${pkg.version}: ${gone.why}` : `${pkg.name} ${pkg.version}`,
    });
    const { byLayer: _byLayer, ...rest } = base;
    const evidence: Evidence = gone
      ? { ...rest, state: 'deleted', byLayer: gone.byLayer }
      : { ...rest, state: 'present' };
    return {
      manager: tracked.manager,
      name: pkg.name,
      version: pkg.version,
      ...(pkg.source && pkg.source !== pkg.name ? { source: pkg.source } : {}),
      ...(pkg.architecture ? { architecture: pkg.architecture } : {}),
      evidence,
    };
  };
  for (const tracked of live.values()) items.push(make(tracked));
  for (const gone of removed) items.push(make(gone, gone));
}

/**
 * OS packages from dpkg (`status`, distroless `status.d/*`), apk (`installed`) and rpm
 * (`rpmdb.sqlite`, read by pushgate's own SQLite reader). Each layer's copy of a database is
 * parsed; stacking the copies tells which layer first listed a package and which later layer
 * removed it. BerkeleyDB/NDB rpm databases are listed in `unread`, never skipped silently.
 */
export const osPackages: FactExtractor<LayerResult> = {
  id: 'os-packages',
  version: 1,
  checks: [UNREAD_CHECK],
  schema: {
    packages: {
      description:
        "OS packages from dpkg (var/lib/dpkg/status, status.d/*), apk (lib/apk/db/installed) and rpm (rpmdb.sqlite). `items` holds every package any layer's copy of a database listed: evidence state `present` means the final database lists it (installed in the final image); `deleted` means a later layer removed it (its copy of the database no longer lists it, or the database file itself was deleted: then the files may remain), with `byLayer`. Evidence points at the database file in the layer whose copy first listed the package. A database pushgate cannot read (rpm BerkeleyDB/NDB, a file over the per-file content cap, a corrupt file) is listed in `unread` with the reason.",
      type: 'object',
      required: ['items', 'unread'],
      additionalProperties: false,
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['manager', 'name', 'version', 'evidence'],
            additionalProperties: false,
            properties: {
              manager: { enum: ['dpkg', 'apk', 'rpm'] },
              name: { type: 'string' },
              version: { type: 'string' },
              source: { type: 'string' },
              architecture: { type: 'string' },
              evidence: { $ref: '#/$defs/evidence' },
            },
          },
        },
        unread: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'format', 'reason'],
            additionalProperties: false,
            properties: {
              path: { type: 'string' },
              format: {
                enum: [
                  'dpkg-status',
                  'dpkg-status.d',
                  'apk-installed',
                  'rpm-sqlite',
                  'rpm-sqlite-wal',
                  'rpm-bdb',
                  'rpm-ndb',
                ],
              },
              reason: { type: 'string' },
              evidence: { $ref: '#/$defs/evidence' },
            },
          },
        },
      },
    },
  },
  wants(entry) {
    if (entry.type !== 'file') return false;
    const { path } = entry;
    if (path === DPKG_STATUS || APK_DBS.has(path)) return { content: TEXT_DB_BYTES };
    if (path.startsWith('var/lib/dpkg/status.d/') && DPKG_STATUS_D.test(path))
      return path.endsWith('.md5sums') ? false : { content: STATUS_D_BYTES };
    const rpm = path.includes('/rpm/') ? RPM_DIR.exec(path) : null;
    if (!rpm) return false;
    return rpm[1] === 'rpmdb.sqlite' ? { content: RPM_SQLITE_BYTES } : 'header';
  },
  collect() {
    const result: LayerResult = { dbs: {}, unreadable: {} };
    return {
      onEntry(entry, content) {
        const rpm = RPM_DIR.exec(entry.path);
        if (rpm && rpm[1] !== 'rpmdb.sqlite') {
          const unread = unreadableRpm(rpm[1]);
          // An empty write-ahead log holds nothing to replay.
          if (unread && !(unread.format === 'rpm-sqlite-wal' && entry.size === 0))
            result.unreadable[entry.path] = unread;
          return;
        }
        result.dbs[entry.path] = parseCopy(entry.path, content ?? Buffer.alloc(0), entry.size);
      },
      finish: () => result,
    };
  },
  assemble({ layers, stack }) {
    const items: InstalledPackage[] = [];
    const paths = new Set<string>();
    for (const { result } of layers) for (const path of Object.keys(result?.dbs ?? {})) paths.add(path);
    for (const path of [...paths].sort()) assemblePath(path, layers, stack, items);
    items.sort(
      (a, b) =>
        a.manager.localeCompare(b.manager) ||
        a.name.localeCompare(b.name) ||
        (a.evidence.layer ?? 0) - (b.evidence.layer ?? 0),
    );
    const unread: PackagesSection['unread'] = [];
    for (const { info, result } of layers) {
      const candidates: Array<[string, { format: string; reason: string }]> = [
        ...Object.entries(result?.unreadable ?? {}),
        ...Object.entries(result?.dbs ?? {})
          .filter(([, copy]) => copy.problem !== undefined)
          .map(([path, copy]): [string, { format: string; reason: string }] => [
            path,
            { format: copy.format, reason: copy.problem as string },
          ]),
      ];
      for (const [path, what] of candidates) {
        if (stack.fate(info.index, path)?.state === 'present') {
          unread.push({
            path: `/${path}`,
            ...what,
            evidence: fileEvidence(info, path, stack, { detail: what.reason }),
          });
        }
      }
    }
    unread.sort((a, b) => a.path.localeCompare(b.path));
    return { packages: { items, unread } };
  },
  findings(facts) {
    const section = facts.packages;
    if (!section) return [];
    return section.unread.map((db): ReportFinding => ({
      check: UNREAD_CHECK.id,
      severity: UNREAD_CHECK.severity,
      category: UNREAD_CHECK.category,
      message: `${db.path} (${db.format}) not read: ${db.reason}`,
      evidence: [db.evidence ?? { kind: 'file', path: db.path, state: 'present', detail: db.reason }],
    }));
  },
};
