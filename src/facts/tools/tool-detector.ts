import type { StackEntry } from '../../inspect/layer-stack.js';
import type { LayerEntry, LayerInfo } from '../../inspect/types.js';
import type { CheckDefinition, ReportFinding } from '../checks.js';
import { fileEvidence, historyEvidence, type Evidence } from '../evidence.js';
import type { AssembleInput, FactExtractor } from '../extractor.js';
import type { ImageFacts, ToolFinding } from '../image-facts.js';
import { sniffExecutable, SNIFF_BYTES, type ExecutableFormat } from './content-sniff.js';
import { installCommands } from './history-commands.js';
import { dpkgListPackage, parseApkInstalled, parseDpkgList } from './package-db.js';
import {
  isBinDir,
  ToolNames,
  toolsForPackage,
  type Ecosystem,
  type ToolCatalogue,
} from './tool-catalogue.js';

/** A catalogue-named executable or link a layer wrote in a bin-like directory. */
interface ToolEntry {
  path: string;
  tool: string;
  type: 'file' | 'symlink' | 'hardlink';
  format?: ExecutableFormat;
  target?: string;
}

export interface ToolLayerResult {
  entries: ToolEntry[];
  /** Files in bin-like directories that were content-checked and are neither ELF nor a script. */
  notExecutable: string[];
  /** Owners of catalogue-named paths, from dpkg `info/*.list` files and apk's database. */
  owners: Array<{ db: string; pkg: string; paths: string[] }>;
}

export interface ToolDetectorSpec {
  id: string;
  version: number;
  section: 'compilers' | 'shells' | 'packageManagers';
  catalogue: ToolCatalogue;
  checks: readonly CheckDefinition[];
  /** The check a finding belongs to. */
  checkFor(finding: ToolFinding): CheckDefinition;
  /** Schema description of the section. */
  description: string;
  /** Describes `kind` in the schema. */
  kindDescription: string;
}

const DPKG_LIST = /^var\/lib\/dpkg\/info\/[^/]+\.list$/;
const APK_DBS = new Set(['lib/apk/db/installed', 'usr/lib/apk/db/installed']);
const LIST_BYTES = 1024 * 1024;
const APK_DB_BYTES = 64 * 1024 * 1024;
const EXECUTABLE_BITS = 0o111;

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

interface Accumulated {
  evidence: Evidence[];
  keys: Set<string>;
  present: boolean;
  /** What a link resolved to (`sh` → `dash`). */
  implementations: Set<string>;
}

/**
 * Builds a presence detector (compilers, shells, package managers): a tool is reported when the
 * final image holds it, by a present package (`facts.packages`, so `os-packages` must run first)
 * or a present binary checked by content (ELF or `#!`; links resolved through the final
 * filesystem, busybox applets included). All its evidence is attached: packages, files in every
 * layer (deleted ones too) and the history steps that installed it; history alone never makes a
 * tool present.
 */
export function createToolDetector(spec: ToolDetectorSpec): FactExtractor<ToolLayerResult> {
  const names = new ToolNames(spec.catalogue);
  const isToolPath = (path: string): boolean =>
    isBinDir(parentOf(path)) && names.match(baseOf(path)) !== undefined;

  const wants = (entry: LayerEntry): false | 'header' | { content: number } => {
    const { path, type } = entry;
    if (type === 'file') {
      if (path.startsWith('var/lib/dpkg/info/') && DPKG_LIST.test(path)) return { content: LIST_BYTES };
      if (APK_DBS.has(path)) return { content: APK_DB_BYTES };
    }
    if (!isBinDir(parentOf(path))) return false;
    if (type === 'file') {
      // Executable files of bin directories are sniffed too: they are the targets of links named like tools.
      return names.match(baseOf(path)) || (entry.mode & EXECUTABLE_BITS) !== 0
        ? { content: SNIFF_BYTES }
        : false;
    }
    if (type === 'symlink' || type === 'hardlink') return names.match(baseOf(path)) ? 'header' : false;
    return false;
  };

  const assemble = ({ layers, stack, facts }: AssembleInput<ToolLayerResult>): Partial<ImageFacts> => {
    const found = new Map<string, Accumulated>();
    const add = (tool: string, evidence: Evidence, present: boolean, implementation?: string): void => {
      let entry = found.get(tool);
      if (!entry) {
        entry = { evidence: [], keys: new Set(), present: false, implementations: new Set() };
        found.set(tool, entry);
      }
      if (present) entry.present = true;
      if (implementation) entry.implementations.add(implementation);
      const key = `${evidence.kind}|${evidence.path}|${evidence.layer ?? ''}|${evidence.package ?? ''}`;
      if (entry.keys.has(key)) return;
      entry.keys.add(key);
      entry.evidence.push(evidence);
    };

    const owners = new Map<string, string>();
    for (const { info, result } of layers) {
      for (const owned of result?.owners ?? []) {
        if (stack.fate(info.index, owned.db)?.state !== 'present') continue;
        for (const path of owned.paths) owners.set(path, owned.pkg);
      }
    }
    // dpkg lists pre-merge paths (`/bin/bash`) that usr-merged images hold under `usr/bin`.
    const ownerOf = (path: string): string | undefined =>
      owners.get(path) ??
      owners.get(path.replace(/^usr\/(s?bin|lib(?:32|64|x32)?)\//, '$1/')) ??
      owners.get(`usr/${path}`);
    const sniffed = layers.map(({ result }) => ({
      files: new Map((result?.entries ?? []).filter((e) => e.type === 'file').map((e) => [e.path, e.format])),
      not: new Set(result?.notExecutable ?? []),
    }));
    /** Whether a final-filesystem file runs, and a note when that was judged by its mode alone. */
    const runnable = (path: string, entry: StackEntry): { ok: boolean; note: string } => {
      if (entry.kind !== 'file' || entry.size === 0 || entry.layer < 0) return { ok: false, note: '' };
      const layer = sniffed[entry.layer];
      const format = layer?.files.get(path);
      if (format) return { ok: true, note: format === 'elf' ? 'ELF executable' : 'script' };
      if (layer?.not.has(path)) return { ok: false, note: '' };
      if ((entry.mode & EXECUTABLE_BITS) === 0) return { ok: false, note: '' };
      // Executable files of bin directories were sniffed during the walk: not in `not` means ELF or script.
      return isBinDir(parentOf(path))
        ? { ok: true, note: 'executable' }
        : { ok: true, note: 'executable (not content-checked)' };
    };

    for (const { info, result } of layers) {
      // Hard links to one inode: `sh` linked with `busybox` is the busybox applet.
      const inode = new Map<string, Set<string>>();
      for (const entry of result?.entries ?? []) {
        const key =
          entry.type === 'hardlink' ? entry.target : entry.type === 'file' ? `/${entry.path}` : undefined;
        if (key === undefined) continue;
        let group = inode.get(key);
        if (!group) inode.set(key, (group = new Set()));
        group.add(entry.tool);
      }
      for (const entry of result?.entries ?? []) {
        const fate = stack.fate(info.index, entry.path);
        if (!fate) continue;
        const pkg = ownerOf(entry.path);
        if (entry.type === 'file') {
          const detail = entry.format === 'elf' ? 'ELF executable' : 'script';
          add(
            entry.tool,
            fileEvidence(info, entry.path, stack, { package: pkg, detail }),
            fate.state === 'present',
          );
          continue;
        }
        const linkDetail = `${entry.type} to ${entry.target ?? '?'}`;
        if (fate.state !== 'present') {
          add(entry.tool, fileEvidence(info, entry.path, stack, { package: pkg, detail: linkDetail }), false);
          continue;
        }
        const resolved = stack.resolve(entry.path);
        if (!resolved) continue;
        let { ok, note } = runnable(resolved.path, resolved.entry);
        // A hard link shares its inode's content, sniffed in its own layer.
        if (entry.type === 'hardlink' && entry.format) {
          ok = true;
          note = entry.format === 'elf' ? 'ELF executable' : 'script';
        }
        if (!ok) continue;
        const reached =
          `/${resolved.path}` === entry.target || resolved.path === entry.path ? '' : ` → /${resolved.path}`;
        const linked = entry.type === 'hardlink' ? inode.get(entry.target ?? '') : undefined;
        const implementation = linked?.has('busybox') ? 'busybox' : names.match(baseOf(resolved.path))?.name;
        const detail = `${linkDetail}${reached} (${note}${implementation && implementation !== entry.tool ? `, ${implementation}` : ''})`;
        add(
          entry.tool,
          fileEvidence(info, entry.path, stack, { package: pkg ?? ownerOf(resolved.path), detail }),
          true,
          implementation,
        );
        if (resolved.path !== entry.path) {
          const targetLayer = layers[resolved.entry.layer]?.info;
          if (targetLayer) {
            add(
              entry.tool,
              fileEvidence(targetLayer, resolved.path, stack, {
                package: ownerOf(resolved.path),
                detail: `${note}, target of /${entry.path}`,
              }),
              true,
            );
          }
        }
      }
    }

    for (const item of facts.packages?.items ?? []) {
      for (const tool of toolsForPackage(spec.catalogue, item.manager, item.name)) {
        add(
          tool,
          { ...item.evidence, detail: `${item.manager} package ${item.name} ${item.version}` },
          item.evidence.state === 'present',
        );
      }
    }

    const infoOf = (layer: number | null): LayerInfo | undefined =>
      layer === null ? undefined : layers[layer]?.info;
    const history: Array<{ tool: string; evidence: Evidence }> = [];
    for (const step of facts.history) {
      for (const command of installCommands(step.createdBy)) {
        for (const name of command.packages) {
          for (const tool of toolsForPackage(spec.catalogue, command.ecosystem as Ecosystem, name)) {
            history.push({
              tool,
              evidence: historyEvidence(
                infoOf(step.layerIndex),
                step.index,
                `${command.command} (installs ${name})`,
              ),
            });
          }
        }
      }
    }
    // History never makes a tool present; it only explains tools found otherwise.
    for (const { tool, evidence } of history) if (found.has(tool)) add(tool, evidence, false);

    const section: ToolFinding[] = [];
    for (const [name, acc] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
      if (!acc.present) continue;
      const toolSpec = names.spec(name);
      const implementations = [...acc.implementations].filter((impl) => impl !== name);
      const kind =
        name === 'sh' && implementations.length === 1 ? implementations[0] : (toolSpec?.kind ?? name);
      section.push({ name, kind, evidence: acc.evidence });
    }
    return { [spec.section]: section };
  };

  return {
    id: spec.id,
    version: spec.version,
    checks: spec.checks,
    schema: {
      [spec.section]: {
        description: spec.description,
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'kind', 'evidence'],
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            kind: { type: 'string', description: spec.kindDescription },
            evidence: { type: 'array', minItems: 1, items: { $ref: '#/$defs/evidence' } },
          },
        },
      },
    },
    wants,
    collect() {
      const result: ToolLayerResult = { entries: [], notExecutable: [], owners: [] };
      const formats = new Map<string, ExecutableFormat | undefined>();
      return {
        onEntry(entry, content) {
          const { path } = entry;
          if (entry.type === 'file' && DPKG_LIST.test(path)) {
            const pkg = dpkgListPackage(path);
            const paths = pkg && content ? parseDpkgList(content.toString('utf8'), isToolPath) : [];
            if (pkg && paths.length > 0) result.owners.push({ db: path, pkg, paths });
            return;
          }
          if (entry.type === 'file' && APK_DBS.has(path)) {
            const complete = (content?.length ?? 0) >= entry.size;
            for (const pkg of parseApkInstalled(content?.toString('utf8') ?? '', isToolPath, complete)) {
              if (pkg.files.length > 0) result.owners.push({ db: path, pkg: pkg.name, paths: pkg.files });
            }
            return;
          }
          const tool = names.match(baseOf(path));
          if (entry.type === 'file') {
            const format = sniffExecutable(content);
            formats.set(path, format);
            if (!format) result.notExecutable.push(path);
            else if (tool) result.entries.push({ path, tool: tool.name, type: 'file', format });
            return;
          }
          if (!tool || entry.linkname === undefined) return;
          if (entry.type === 'symlink') {
            result.entries.push({ path, tool: tool.name, type: 'symlink', target: entry.linkname });
          } else if (entry.type === 'hardlink') {
            // Tar hard links point at an earlier entry of the same layer, sniffed above when it is in a bin directory.
            const format = formats.get(entry.linkname);
            result.entries.push({
              path,
              tool: tool.name,
              type: 'hardlink',
              target: `/${entry.linkname}`,
              ...(format ? { format } : {}),
            });
          }
        },
        finish: () => result,
      };
    },
    assemble,
    findings(facts) {
      const tools = facts[spec.section] ?? [];
      return tools.map((tool): ReportFinding => {
        const check = spec.checkFor(tool);
        return {
          check: check.id,
          severity: check.severity,
          category: check.category,
          message: describe(tool),
          evidence: tool.evidence,
        };
      });
    },
  };
}

/** `gcc (c): /usr/bin/gcc-12, /usr/bin/gcc; package gcc-12 12.2.0` */
function describe(tool: ToolFinding): string {
  const present = tool.evidence.filter((e) => e.state === 'present');
  const files = [...new Set(present.filter((e) => e.kind === 'file').map((e) => e.path))];
  const packages = [
    ...new Set(
      present
        .filter((e) => e.kind === 'package')
        .map((e) => e.detail?.replace(/^\w+ package /, '') ?? e.path),
    ),
  ];
  const parts: string[] = [];
  if (files.length > 0)
    parts.push(files.slice(0, 3).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : ''));
  if (packages.length > 0)
    parts.push(
      `package ${packages.slice(0, 3).join(', ')}${packages.length > 3 ? ` and ${packages.length - 3} more` : ''}`,
    );
  return `${tool.name} (${tool.kind}): ${parts.join('; ')}`;
}
