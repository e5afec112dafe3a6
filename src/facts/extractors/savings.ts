import { formatBytes } from '../../format-bytes.js';
import {
  CATEGORY_LABELS,
  describeRemovable,
  describeRuntimeEstimate,
  SAVINGS_CATEGORIES,
} from '../savings-summary.js';
import type { CheckDefinition, ReportFinding } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import type { Evidence } from '../evidence.js';
import type { AssembleInput, FactExtractor } from '../extractor.js';
import type {
  DevDependency,
  ImageFacts,
  InstalledPackage,
  SavingsCategory,
  SavingsSection,
  ToolFinding,
} from '../image-facts.js';
import { classifyLeftover } from '../dev-deps/leftover-rules.js';
import { dpkgListPackage, parseApkInstalled, parseDpkgList } from '../tools/package-db.js';
import { parseRpmFileDigests } from '../tools/rpm-header.js';
import { SqliteReader } from '../tools/sqlite-reader.js';
import { COMPILER_CATALOGUE, PACKAGE_MANAGER_CATALOGUE, toolsForPackage } from '../tools/tool-catalogue.js';

type Manager = InstalledPackage['manager'];
type Role = 'toolchain' | 'packageManager';

/** The check fires when at least this share of the bytes the layers wrote is removable. */
export const SAVINGS_SHARE_THRESHOLD = 0.1;
export const TOP_PER_CATEGORY = 10;
/** What only a separate build stage removes; at least one must hold bytes for the check to fire. */
const STAGE_CATEGORIES: readonly SavingsCategory[] = [
  'buildToolchain',
  'devDependencies',
  'packageManagers',
  'cachesAndLeftovers',
];

/**
 * Packages that come with a compiler but provide no tool name of their own (gcc's backends and
 * libraries, binutils' libraries): runtime programs never load them. Deliberately short: a
 * library a program might load at run time (libgcc-s1, libstdc++6, libgomp1, gmp) is not here.
 */
const TOOLCHAIN_SUPPORT: readonly RegExp[] = [
  // Debian 12+ splits gcc per target: gcc-12-x86-64-linux-gnu, cpp-12-x86-64-linux-gnu.
  /^(?:gcc|g\+\+|cpp|gfortran|gccgo)-\d+(?:\.\d+)*-[a-z0-9_-]+-linux-gnu[a-z]*$/,
  /^(?:binutils-common|libbinutils|libctf-nobfd\d+|libctf\d+|libgprofng\d+|libsframe\d+|libjansson\d+)$/,
  /^lib(?:isl|mpc|mpfr)\d+$/,
  /^libcc1-\d+$/,
  /^lib(?:asan|tsan|lsan|ubsan|hwasan|itm)\d+$/,
  // Alpine build-base and its dependencies; rpm names.
  /^(?:isl\d*|mpc1|mpfr\d|fortify-headers|patch|libmpc|annobin.*|gcc-plugin-annobin)$/,
];

const PACKAGE_MANAGER_SUPPORT: readonly RegExp[] = [
  /^(?:libapt-pkg\d.*|apt-utils|apt-listchanges)$/,
  /^(?:apk-tools-doc|libapk\d*)$/,
  /^(?:python3-)?(?:dnf|dnf-data|dnf-plugins-core|libdnf|libdnf5|hawkey|librepo|libsolv|libcomps|tdnf)(?:-.*)?$/,
  /^(?:rpm-libs|rpm-build-libs|rpm-sign-libs)$/,
];

/** Whether a package's files belong to a category, by its name alone (so per-layer results stay layer-independent). */
export function packageRole(manager: Manager, name: string): Role | undefined {
  if (
    toolsForPackage(COMPILER_CATALOGUE, manager, name).length > 0 ||
    TOOLCHAIN_SUPPORT.some((re) => re.test(name))
  )
    return 'toolchain';
  if (
    toolsForPackage(PACKAGE_MANAGER_CATALOGUE, manager, name).length > 0 ||
    PACKAGE_MANAGER_SUPPORT.some((re) => re.test(name))
  )
    return 'packageManager';
  return undefined;
}

/** The files one package database of this layer says a toolchain or package-manager package owns. */
interface OwnedFiles {
  manager: Manager;
  pkg: string;
  /** Normalised, no leading slash; directories included for dpkg (they never match a file). */
  paths: string[];
}

interface LayerResult {
  owned: OwnedFiles[];
}

const DPKG_LIST = /^var\/lib\/dpkg\/info\/[^/]+\.list$/;
const APK_DBS = new Set(['lib/apk/db/installed', 'usr/lib/apk/db/installed']);
const RPM_SQLITE = /^(?:var\/lib|usr\/lib\/sysimage|usr\/share)\/rpm\/rpmdb\.sqlite$/;
const LIST_BYTES = 16 * 1024 * 1024;
const DB_BYTES = 64 * 1024 * 1024;

const CHECK: CheckDefinition = {
  id: 'multi-stage-savings',
  title: 'A multi-stage build would make the image smaller',
  severity: 'info',
  category: 'Efficiency',
  description: `Every byte the layers write is attributed once, in this order, to build toolchains (files their packages own, copied compiler binaries and SDK folders), dev dependencies (their package folders), package managers, caches and build leftovers, wasted bytes (deleted or overwritten by a later layer) and the rest (the \`savings\` facts section). Fires when the first five reach ${SAVINGS_SHARE_THRESHOLD * 100} % of all bytes the layers wrote and the first four hold any (wasted bytes alone are the wasted-bytes check): a runtime stage without them would be that much smaller.`,
  remedy: REMEDIES.multiStage,
};

const COUNT_SCHEMA = {
  type: 'object',
  required: ['bytes', 'files'],
  additionalProperties: false,
  properties: { bytes: { type: 'integer', minimum: 0 }, files: { type: 'integer', minimum: 0 } },
} as const;

const SECTION_SCHEMA = {
  description:
    'What a runtime stage built the multi-stage way would drop. Every regular-file copy every layer writes (deleted and overwritten copies included) is attributed to the first category that claims it, in this order: buildToolchain (files that compiler, build-tool and -dev/-devel packages own per dpkg `info/*.list`, apk `installed` and rpm `rpmdb.sqlite`; compiler binaries the `compilers` section names, and the SDK folder of one copied outside the system bin folders such as /usr/local/go or a node_modules package), devDependencies (the package folders the `devDependencies` section names), packageManagers (files of package-manager packages, and their binaries and folders), cachesAndLeftovers (files under the `devDependencies.leftovers` paths), wasted (copies a later layer deleted or overwrote), rest. The categories add up to totalBytes.',
  type: 'object',
  required: ['totalBytes', 'categories', 'removableBytes', 'removableRatio', 'runtimeEstimateBytes', 'top'],
  additionalProperties: false,
  properties: {
    totalBytes: {
      type: 'integer',
      minimum: 0,
      description: 'Bytes of file content all layers write (deleted and overwritten files included).',
    },
    categories: {
      type: 'object',
      required: [...SAVINGS_CATEGORIES],
      additionalProperties: false,
      properties: Object.fromEntries(SAVINGS_CATEGORIES.map((c) => [c, COUNT_SCHEMA])),
    },
    removableBytes: { type: 'integer', minimum: 0, description: 'Every category but rest.' },
    removableRatio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: 'removableBytes / totalBytes, 0 for an empty image; e.g. `maximum: 0.5` in a rule.',
    },
    runtimeEstimateBytes: {
      type: 'integer',
      minimum: 0,
      description: 'totalBytes − removableBytes: about what a runtime stage without them would hold.',
    },
    top: {
      description: `The largest contributors, at most ${TOP_PER_CATEGORY} per category, largest first within a category. Labels: a folder or file (\`/usr/local/go\`, \`/app/node_modules/jest\`), an OS package (\`gcc-12 (dpkg package)\`), a leftover (\`/var/lib/apt/lists (package-cache)\`); for rest, the top two folders.`,
      type: 'array',
      items: {
        type: 'object',
        required: ['category', 'label', 'bytes', 'files'],
        additionalProperties: false,
        properties: {
          category: { enum: [...SAVINGS_CATEGORIES] },
          label: { type: 'string' },
          bytes: { type: 'integer', minimum: 0 },
          files: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
} as const;

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `usr/bin/bash` → [`usr/bin`, `usr`, ``]: every folder a path sits in. */
function* ancestors(path: string): IterableIterator<string> {
  for (let dir = parentOf(path); ; dir = parentOf(dir)) {
    yield dir;
    if (dir === '') return;
  }
}

/** The package folder of a file inside `node_modules` (the innermost one), if any. */
function nodePackageDir(path: string): string | undefined {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/.][^/]*)\//.exec(path);
  return match?.[1];
}

/**
 * Bin folders whose parent is the tool's own installation (an SDK unpacked by hand): the whole
 * parent goes with the tool. System bin folders and those shared with the runtime (a JVM, a venv,
 * ~/.local) are not here.
 */
const TOOL_HOME_BIN: readonly RegExp[] = [
  /^usr\/local\/(?!bin$|sbin$|lib$|share$)[^/]+\/bin$/,
  /^usr\/lib\/(?:go(?:-[\d.]+)?|llvm-\d+)\/bin$/,
  /^opt\/(?:[^/]+\/){1,4}bin$/,
  /^(?:root|home\/[^/]+)\/\.cargo\/bin$/,
];

/** The folder a copied tool binary brings along: its node_modules package or its SDK home. */
function toolHome(path: string): string | undefined {
  const pkg = nodePackageDir(path);
  if (pkg !== undefined) return pkg;
  const bin = parentOf(path);
  return TOOL_HOME_BIN.some((re) => re.test(bin)) ? parentOf(bin) : undefined;
}

/** Paths of the regular files a tool section names, and the folders they bring along. */
function toolClaims(
  tools: readonly ToolFinding[] | undefined,
  input: Pick<AssembleInput<LayerResult>, 'stack'>,
): Claims {
  const files = new Map<string, string>();
  const dirs = new Map<string, string>();
  for (const tool of tools ?? []) {
    for (const evidence of tool.evidence) {
      if (evidence.kind !== 'file') continue;
      const path = evidence.path.replace(/^\/+/, '');
      if (!files.has(path)) files.set(path, evidence.path);
      // Only a regular file of the final filesystem brings its folder: a link says nothing about where it points.
      if (evidence.state !== 'present' || input.stack.lookup(path)?.kind !== 'file') continue;
      const home = toolHome(path);
      if (home !== undefined && !dirs.has(home)) dirs.set(home, `/${home}`);
    }
  }
  return new Claims(files, dirs);
}

/** The folders (or files) of each dev dependency, labelled `jest (npm)`. */
function devDependencyClaims(packages: readonly DevDependency[] | undefined): Claims {
  const files = new Map<string, string>();
  const dirs = new Map<string, string>();
  for (const pkg of packages ?? []) {
    const first = pkg.evidence[0];
    if (first === undefined || first.kind !== 'file') continue;
    const label = `${pkg.name} (${pkg.ecosystem})`;
    const path = first.path.replace(/^\/+/, '');
    const base = path.slice(path.lastIndexOf('/') + 1);
    const folder = parentOf(path);
    if (base === 'package.json' || base === 'composer.json') {
      dirs.set(folder, label);
    } else if (/\.(?:dist|egg)-info$/.test(folder)) {
      // Python: the metadata folder and the import packages named like the distribution.
      dirs.set(folder, label);
      const site = parentOf(folder);
      const module = pkg.name.toLowerCase().replace(/[-.]/g, '_');
      for (const name of [module, `_${module}`]) dirs.set(site === '' ? name : `${site}/${name}`, label);
      files.set(site === '' ? `${module}.py` : `${site}/${module}.py`, label);
    } else if (base.endsWith('.egg-info')) {
      files.set(path, label);
    } else {
      files.set(path, label);
    }
  }
  return new Claims(files, dirs);
}

/**
 * Paths claimed one by one and by folder. A path's label is that of the nearest claimed folder
 * holding it (or of the path itself as a folder), else its own: a tool's files share the label of
 * the package or SDK that brings them. Folder answers are remembered, so the files of one folder
 * walk its ancestors once (the Go image: this section's assembly 28 → 8 ms in a warm scan).
 */
class Claims {
  private readonly folders = new Map<string, string | undefined>();

  constructor(
    private readonly files: ReadonlyMap<string, string>,
    private readonly dirs: ReadonlyMap<string, string>,
  ) {}

  of(path: string): string | undefined {
    if (this.dirs.size > 0) {
      const label = this.dirs.get(path) ?? this.folderLabel(parentOf(path));
      if (label !== undefined) return label;
    }
    return this.files.get(path);
  }

  /** The label of `dir` or of its nearest claimed ancestor. */
  private folderLabel(dir: string): string | undefined {
    // Up to the first folder answered before or claimed; every folder on the way gets its answer.
    const unanswered: string[] = [];
    let label: string | undefined;
    for (let at = dir; ; at = parentOf(at)) {
      if (this.folders.has(at)) {
        label = this.folders.get(at);
        break;
      }
      unanswered.push(at);
      label = this.dirs.get(at);
      if (label !== undefined || at === '') break;
    }
    for (const folder of unanswered) this.folders.set(folder, label);
    return label;
  }
}

interface Tally {
  bytes: number;
  files: number;
  byLabel: Map<string, { bytes: number; files: number }>;
}

function emptyTally(): Tally {
  return { bytes: 0, files: 0, byLabel: new Map() };
}

/** `usr/lib/x86_64-linux-gnu/libc.so.6` → `/usr/lib`; a file at the root is its own label. */
function restLabel(path: string): string {
  const first = path.indexOf('/');
  if (first < 0) return `/${path}`;
  const second = path.indexOf('/', first + 1);
  return `/${path.slice(0, second < 0 ? first : second)}`;
}

function assembleSavings(input: AssembleInput<LayerResult>): SavingsSection {
  const { layers, stack, facts } = input;

  // OS package ownership from every layer's copy of the databases: a package a later layer
  // removed still left its bytes in the layer that installed it.
  const owners = new Map<string, { role: Role; label: string }>();
  for (const { result } of layers) {
    for (const owned of result?.owned ?? []) {
      const role = packageRole(owned.manager, owned.pkg);
      if (role === undefined) continue;
      const label = `${owned.pkg} (${owned.manager} package)`;
      for (const path of owned.paths) {
        const known = owners.get(path);
        if (known === undefined || (known.role === 'packageManager' && role === 'toolchain'))
          owners.set(path, { role, label });
      }
    }
  }
  // dpkg lists pre-merge paths (`/bin/bash`) that usr-merged images hold under `usr/bin`, and back.
  const ownerOf = (path: string): { role: Role; label: string } | undefined =>
    owners.size === 0
      ? undefined
      : (owners.get(path) ??
        owners.get(path.replace(/^usr\/(s?bin|lib(?:32|64|x32)?)\//, '$1/')) ??
        owners.get(`usr/${path}`));

  const toolchain = toolClaims(facts.compilers, input);
  const managers = toolClaims(facts.packageManagers, input);
  const dev = devDependencyClaims(facts.devDependencies?.packages);
  const leftoverRoots = new Map<string, string>();
  for (const leftover of facts.devDependencies?.leftovers ?? []) {
    leftoverRoots.set(
      `${leftover.kind}\0${leftover.path.replace(/^\/+/, '')}`,
      `${leftover.path} (${leftover.kind})`,
    );
  }
  const leftoverOf = (path: string): string | undefined => {
    if (leftoverRoots.size === 0) return undefined;
    const match = classifyLeftover(path);
    if (match === undefined) return undefined;
    if (match.tree) return leftoverRoots.get(`${match.kind}\0${match.root}`);
    // Loose files (test files, source maps, TypeScript sources) are reported per project folder.
    const own = leftoverRoots.get(`${match.kind}\0${path}`);
    if (own !== undefined) return own;
    for (const dir of ancestors(path)) {
      const label = leftoverRoots.get(`${match.kind}\0${dir}`);
      if (label !== undefined) return label;
    }
    return undefined;
  };

  const tallies = Object.fromEntries(SAVINGS_CATEGORIES.map((c) => [c, emptyTally()])) as Record<
    SavingsCategory,
    Tally
  >;
  const count = (category: SavingsCategory, label: string, size: number): void => {
    const tally = tallies[category];
    tally.bytes += size;
    tally.files++;
    const entry = tally.byLabel.get(label);
    if (entry === undefined) tally.byLabel.set(label, { bytes: size, files: 1 });
    else {
      entry.bytes += size;
      entry.files++;
    }
  };

  for (let layer = 0; layer < stack.layerCount; layer++) {
    stack.forEachFileRow(layer, (path, size, row) => {
      const owner = ownerOf(path);
      let label = owner?.role === 'toolchain' ? owner.label : toolchain.of(path);
      if (label !== undefined) return count('buildToolchain', label, size);
      label = dev.of(path);
      if (label !== undefined) return count('devDependencies', label, size);
      label = owner?.role === 'packageManager' ? owner.label : managers.of(path);
      if (label !== undefined) return count('packageManagers', label, size);
      label = leftoverOf(path);
      if (label !== undefined) return count('cachesAndLeftovers', label, size);
      if (stack.fateOfRow(layer, row).state !== 'present') return count('wasted', `/${path}`, size);
      count('rest', restLabel(path), size);
    });
  }

  let totalBytes = 0;
  for (const category of SAVINGS_CATEGORIES) totalBytes += tallies[category].bytes;
  const removableBytes = totalBytes - tallies.rest.bytes;
  const top: SavingsSection['top'] = [];
  for (const category of SAVINGS_CATEGORIES) {
    const items = [...tallies[category].byLabel]
      .map(([label, { bytes, files }]) => ({ category, label, bytes, files }))
      .sort((a, b) => b.bytes - a.bytes || a.label.localeCompare(b.label))
      .slice(0, TOP_PER_CATEGORY);
    top.push(...items);
  }
  return {
    totalBytes,
    categories: Object.fromEntries(
      SAVINGS_CATEGORIES.map((c) => [c, { bytes: tallies[c].bytes, files: tallies[c].files }]),
    ) as SavingsSection['categories'],
    removableBytes,
    removableRatio: totalBytes === 0 ? 0 : Math.round((removableBytes / totalBytes) * 10_000) / 10_000,
    runtimeEstimateBytes: totalBytes - removableBytes,
    top,
  };
}

function readOwned(path: string, content: Buffer, size: number): OwnedFiles[] {
  const complete = content.length >= size;
  const listed = dpkgListPackage(path);
  if (listed !== undefined) {
    if (packageRole('dpkg', listed) === undefined) return [];
    const lines = content.toString('utf8');
    // A list cut by the content cap loses its last, partial line.
    const text = complete ? lines : lines.slice(0, lines.lastIndexOf('\n') + 1);
    return [{ manager: 'dpkg', pkg: listed, paths: parseDpkgList(text, () => true) }];
  }
  if (APK_DBS.has(path)) {
    return parseApkInstalled(content.toString('utf8'), () => true, complete)
      .filter((pkg) => packageRole('apk', pkg.name) !== undefined)
      .map((pkg) => ({ manager: 'apk' as const, pkg: pkg.name, paths: pkg.files }));
  }
  if (!complete) return [];
  const owned: OwnedFiles[] = [];
  try {
    for (const row of new SqliteReader(content, `/${path}`).rows('Packages')) {
      const blob = row.find((value): value is Buffer => Buffer.isBuffer(value));
      const parsed = blob ? parseRpmFileDigests(blob) : undefined;
      if (parsed === undefined || packageRole('rpm', parsed.name) === undefined) continue;
      owned.push({ manager: 'rpm', pkg: parsed.name, paths: parsed.files.map((f) => f.path) });
    }
  } catch {
    // os-packages reports an unreadable database; here it only means no ownership from it.
  }
  return owned;
}

/** Evidence for a `top` item, from the facts (a path label, or the package's database entry). */
function topEvidence(facts: ImageFacts, item: SavingsSection['top'][number]): Evidence | undefined {
  const detail = `${CATEGORY_LABELS[item.category]}: ${item.bytes} bytes in ${item.files} file(s)`;
  const pkg = /^(.+) \((dpkg|apk|rpm) package\)$/.exec(item.label);
  if (pkg !== null) {
    const installed = facts.packages?.items.find((p) => p.name === pkg[1] && p.manager === pkg[2]);
    return installed ? { ...installed.evidence, detail } : undefined;
  }
  if (item.category === 'wasted') {
    const wasted = facts.efficiency?.wasted.find((w) => w.path === item.label);
    return wasted?.evidence[0] ? { ...wasted.evidence[0], detail } : undefined;
  }
  const path = /^(\/\S*)(?: \([a-z-]+\))?$/.exec(item.label)?.[1];
  if (path !== undefined) return { kind: 'file', path, state: 'present', detail };
  // Dev dependencies are labelled by name: point at their evidence.
  const dev = facts.devDependencies?.packages.find((p) => `${p.name} (${p.ecosystem})` === item.label);
  return dev?.evidence[0] ? { ...dev.evidence[0], detail } : undefined;
}

/**
 * What a multi-stage build would save: every byte the layers write attributed once, in the order
 * of `SAVINGS_CATEGORIES`, from the sections of the extractors listed before this one (so it is
 * registered last) and the OS package databases' file lists of toolchain and package-manager
 * packages. Per layer it keeps only those lists; file sizes come from the layer tables the stack
 * already holds.
 */
export const savings: FactExtractor<LayerResult> = {
  id: 'savings',
  version: 1,
  checks: [CHECK],
  schema: { savings: SECTION_SCHEMA },
  wants(entry) {
    if (entry.type !== 'file') return false;
    const { path } = entry;
    if (path.startsWith('var/lib/dpkg/info/') && DPKG_LIST.test(path)) {
      const pkg = dpkgListPackage(path);
      return pkg !== undefined && packageRole('dpkg', pkg) !== undefined ? { content: LIST_BYTES } : false;
    }
    if (APK_DBS.has(path)) return { content: DB_BYTES };
    if (path.includes('/rpm/') && RPM_SQLITE.test(path)) return { content: DB_BYTES };
    return false;
  },
  collect() {
    const result: LayerResult = { owned: [] };
    return {
      onEntry(entry, content) {
        result.owned.push(...readOwned(entry.path, content ?? Buffer.alloc(0), entry.size));
      },
      finish: () => result,
    };
  },
  assemble(input) {
    return { savings: assembleSavings(input) };
  },
  findings(facts) {
    const section = facts.savings;
    if (!section || section.removableRatio < SAVINGS_SHARE_THRESHOLD) return [];
    // Wasted bytes alone are the wasted-bytes check's business (a RUN order fix, not a new stage).
    if (STAGE_CATEGORIES.every((c) => section.categories[c].bytes === 0)) return [];
    const evidence = section.top
      .filter((item) => item.category !== 'rest')
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 8)
      .flatMap((item) => topEvidence(facts, item) ?? []);
    const finding: ReportFinding = {
      check: CHECK.id,
      severity: CHECK.severity,
      category: CHECK.category,
      message: `${formatBytes(section.removableBytes)} of the ${formatBytes(section.totalBytes)} the layers write is removable (${describeRemovable(section)}): ${describeRuntimeEstimate(section)}`,
      evidence,
    };
    return [finding];
  },
};
