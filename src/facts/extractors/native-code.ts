import { REMEDIES } from '../remedies.js';
import type { CheckDefinition, ReportFinding } from '../checks.js';
import { fileEvidence } from '../evidence.js';
import type { FactExtractor } from '../extractor.js';
import type { NativeCodeSection, NativeMismatch } from '../image-facts.js';
import {
  ELF_HEADER_BYTES,
  elfArchitecture,
  ET_DYN,
  ET_EXEC,
  machineName,
  normalizeArchitecture,
  parseElfHeader,
} from '../tools/elf-header.js';
import type { LayerEntry } from '../../inspect/types.js';

/** Mismatches listed; `counts.mismatches` holds the full number. */
export const NATIVE_LIST_CAP = 1000;

/** `[path, e_type, e_machine, class bits, byte order, e_flags or -1]`: compact, an image may hold many. */
type ElfRecord = [string, number, number, 32 | 64, 'le' | 'be', number];
type LayerResult = ElfRecord[];

/** Why a file built for another architecture is not reported. */
export type IgnoredReason =
  'notLoadable' | 'platformDirectory' | 'platformPackage' | 'testPath' | 'compat32' | 'unknownMachine';

const CHECKS: readonly CheckDefinition[] = [
  {
    id: 'native-arch-mismatch',
    title: 'Native code built for another architecture',
    severity: 'medium',
    category: 'Native code',
    description:
      'An ELF executable or shared object a runtime would load (a file with an exec bit, `*.so`, `*.so.N`, a `.node` addon, a Python extension module) whose header (e_machine, class, byte order) names another architecture than the image config: it fails with `Exec format error` or `wrong ELF class` when run or loaded. Not reported: files a later layer deleted, relocatable objects, copies kept for other platforms (`prebuilds/<platform>/`, directories and npm packages whose name names another platform such as `@esbuild/linux-x64` or `aarch64-linux-gnu`), files under test/tests/testdata/fixtures/__tests__, and 32-bit executables and libraries on their 64-bit host (386 on amd64, arm on arm64). Nothing is judged when the config names no architecture.',
    remedy: REMEDIES.nativeArchitecture,
  },
];

const TEST_SEGMENTS = new Set(['test', 'tests', 'testdata', 'fixtures', '__tests__']);

/** Operating-system words in platform names: `linux-x64`, `darwin-arm64`, `aarch64-linux-gnu`. */
const OS_WORDS = new Set([
  'linux',
  'linuxmusl',
  'darwin',
  'macos',
  'win32',
  'windows',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'android',
  'aix',
]);

/**
 * The architecture a path segment names when it names a platform (`linux-x64`, `sharp-linux-arm64`,
 * `swc-linux-x64-gnu`, `aarch64-linux-gnu`, `node-v108-linux-x64`, Go's `linux_arm64`, esbuild's
 * `linux-64`): an operating-system word and an architecture word among its words. `undefined`
 * when it names no platform, or none whose architecture is known (`linux` alone, `darwin-universal`).
 */
export function platformArchitecture(segment: string): string | undefined {
  const words = segment.toLowerCase().match(/x86_64|[a-z0-9]+/g) ?? [];
  if (!words.some((word) => OS_WORDS.has(word))) return undefined;
  for (const word of words) {
    if (word === '64') return 'amd64';
    if (word === '32') return '386';
    // `arm-linux-gnueabihf` names its architecture twice; `linux-gnueabihf` once.
    if (word === 'gnueabihf' || word === 'gnueabi' || word === 'musleabihf') return 'arm';
    const arch = normalizeArchitecture(word);
    if (arch !== undefined) return arch;
  }
  return undefined;
}

/** The npm package or Python distribution a path belongs to, if any. */
export interface OwningPackage {
  ecosystem: 'npm' | 'python';
  name: string;
  /** Index of the package's own name segment in the path's segments. */
  segment: number;
}

/**
 * The nearest enclosing package: `node_modules/<pkg>` or `node_modules/@scope/<pkg>`, or the
 * top-level module under `site-packages`/`dist-packages` (a module file directly there is named
 * by its stem; auditwheel's `<name>.libs` directory by `<name>`).
 */
export function owningPackage(path: string): OwningPackage | undefined {
  const segments = path.split('/');
  for (let i = segments.length - 2; i >= 0; i--) {
    const segment = segments[i];
    if (segment === 'node_modules') {
      const first = segments[i + 1];
      if (first.startsWith('@')) {
        // A scope directory alone holds no files of its own; `@scope/pkg` needs a next segment.
        if (i + 2 >= segments.length - 1) return undefined;
        return { ecosystem: 'npm', name: `${first}/${segments[i + 2]}`, segment: i + 2 };
      }
      // `node_modules/addon.node`: a file directly in node_modules belongs to no package.
      if (i + 1 === segments.length - 1) return undefined;
      return { ecosystem: 'npm', name: first, segment: i + 1 };
    }
    if (segment === 'site-packages' || segment === 'dist-packages') {
      const top = segments[i + 1];
      const name = i + 1 === segments.length - 1 ? top.split('.')[0] : top.replace(/\.libs$/, '');
      return name === '' ? undefined : { ecosystem: 'python', name, segment: i + 1 };
    }
  }
  return undefined;
}

/**
 * Why a loadable file built for `arch` (≠ `image`) is not a mismatch, or `undefined` when it is one.
 * A file beside copies for other platforms is only loaded on the platform its directory names, so it
 * counts when that directory names the image's own platform (an x86-64 addon in `prebuilds/linux-arm64`).
 */
export function ignoredReason(path: string, arch: string, image: string): IgnoredReason | undefined {
  const segments = path.split('/');
  const dirs = segments.slice(0, -1);
  if (dirs.some((segment) => TEST_SEGMENTS.has(segment))) return 'testPath';
  const owner = owningPackage(path);
  if (owner?.ecosystem === 'npm') {
    const named = platformArchitecture(owner.name.slice(owner.name.indexOf('/') + 1));
    if (named !== undefined && named !== image) return 'platformPackage';
  }
  for (let i = 0; i < dirs.length; i++) {
    if (owner !== undefined && i === owner.segment) continue;
    const named = platformArchitecture(dirs[i]);
    if (named !== undefined && named !== image) return 'platformDirectory';
    // node-gyp-build's layout: `prebuilds/<platform>-<arch>/`, whatever the words.
    if (dirs[i] === 'prebuilds' && i + 1 < dirs.length && platformArchitecture(dirs[i + 1]) !== image)
      return 'platformDirectory';
  }
  // A 64-bit kernel runs its 32-bit companion's executables (multilib, i386 multiarch), but a
  // 64-bit runtime cannot load a 32-bit module into its process.
  const module = path.endsWith('.node') || owner?.ecosystem === 'python';
  if (!module && ((image === 'amd64' && arch === '386') || (image === 'arm64' && arch === 'arm')))
    return 'compat32';
  return undefined;
}

function candidate(entry: LayerEntry): boolean {
  if ((entry.mode & 0o111) !== 0) return true;
  const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
  // `*.so`, `*.so.1.2`, Python's `*.cpython-312-x86_64-linux-gnu.so` and `*.abi3.so`, `.node` addons.
  return /\.so(?:\.\d+)*$/.test(name) || name.endsWith('.node');
}

const EVIDENCE_REF = { $ref: '#/$defs/evidence' } as const;
const REASONS: readonly IgnoredReason[] = [
  'notLoadable',
  'platformDirectory',
  'platformPackage',
  'testPath',
  'compat32',
  'unknownMachine',
];

/**
 * Native code built for another architecture than the image's. Each layer records the ELF header
 * of every file a runtime could load (exec bit, shared objects, `.node` addons, Python extension
 * modules), read from its first 64 bytes as it streams by; `assemble` compares the copies the final
 * filesystem shows with the config's architecture, since the same layer may serve several.
 */
export const nativeCode: FactExtractor<LayerResult> = {
  id: 'native-code',
  version: 1,
  checks: CHECKS,
  schema: {
    nativeCode: {
      description: `ELF executables and shared objects of the final filesystem a runtime could load (exec bit, *.so, *.so.N, .node addons, Python extension modules), by architecture, and those built for another architecture than the image config's (at most ${NATIVE_LIST_CAP} listed; counts holds the totals).`,
      type: 'object',
      required: [
        'imageArchitecture',
        'judged',
        'elfFiles',
        'byArchitecture',
        'mismatches',
        'ignored',
        'counts',
      ],
      additionalProperties: false,
      properties: {
        imageArchitecture: {
          type: ['string', 'null'],
          description:
            'The config’s architecture in GOARCH spelling (`x86_64` → `amd64`); null when absent or not one pushgate knows.',
        },
        judged: {
          type: 'boolean',
          description:
            'False when the image architecture is unknown: then nothing is a mismatch, and `reason` says why.',
        },
        reason: { type: 'string' },
        elfFiles: {
          type: 'integer',
          minimum: 0,
          description: 'Loadable ELF files (executables, shared objects, PIEs) in the final filesystem.',
        },
        byArchitecture: {
          type: 'object',
          description: 'Loadable ELF files by architecture; `unknown` for machines no image platform names.',
          additionalProperties: { type: 'integer', minimum: 0 },
        },
        mismatches: {
          type: 'array',
          maxItems: NATIVE_LIST_CAP,
          description: 'Files a runtime would load that are built for another architecture, sorted by path.',
          items: {
            type: 'object',
            required: ['path', 'architecture', 'imageArchitecture', 'machine', 'bits', 'evidence'],
            additionalProperties: false,
            properties: {
              path: { type: 'string' },
              architecture: { type: 'string', description: 'What the ELF header says, e.g. `amd64`.' },
              imageArchitecture: { type: 'string' },
              machine: { type: 'string', description: 'e_machine as readelf names it, e.g. `x86-64`.' },
              bits: { enum: [32, 64] },
              package: { type: 'string', description: 'The npm package or Python module that brought it.' },
              ecosystem: { enum: ['npm', 'python'] },
              evidence: EVIDENCE_REF,
            },
          },
        },
        ignored: {
          type: 'object',
          description:
            'Files of another architecture (or an unknown machine) not reported, by why: notLoadable (relocatable objects, core files), platformDirectory (prebuilds/<platform>/, multiarch and cross directories naming another platform), platformPackage (optional per-platform npm packages such as @esbuild/linux-x64), testPath, compat32 (386 on amd64, arm on arm64, outside runtime modules), unknownMachine.',
          required: [...REASONS],
          additionalProperties: false,
          properties: Object.fromEntries(REASONS.map((reason) => [reason, { type: 'integer', minimum: 0 }])),
        },
        counts: {
          type: 'object',
          required: ['mismatches'],
          additionalProperties: false,
          properties: { mismatches: { type: 'integer', minimum: 0 } },
        },
      },
    },
  },
  wants(entry) {
    if (entry.type === 'hardlink') return candidate(entry) ? 'header' : false;
    if (entry.type !== 'file' || entry.size < 24 || !candidate(entry)) return false;
    return { content: ELF_HEADER_BYTES };
  },
  collect() {
    /** Path → its record; a path written twice in a layer keeps its last copy, as the stack does. */
    const byPath = new Map<string, ElfRecord>();
    return {
      onEntry(entry, content) {
        if (entry.type === 'hardlink') {
          // A hard link shares its target's content, which the layer carried earlier.
          const target = entry.linkname === undefined ? undefined : byPath.get(entry.linkname);
          if (target) byPath.set(entry.path, [entry.path, ...target.slice(1)] as ElfRecord);
          else byPath.delete(entry.path);
          return;
        }
        const header = parseElfHeader(content);
        if (!header) {
          byPath.delete(entry.path);
          return;
        }
        byPath.set(entry.path, [
          entry.path,
          header.type,
          header.machine,
          header.bits,
          header.endian,
          header.flags ?? -1,
        ]);
      },
      finish: () => [...byPath.values()],
    };
  },
  assemble({ config, layers, stack }) {
    const configured = config.architecture;
    const image = normalizeArchitecture(configured);
    const ignored = Object.fromEntries(REASONS.map((reason) => [reason, 0])) as Record<IgnoredReason, number>;
    const byArchitecture: Record<string, number> = {};
    const mismatches: NativeMismatch[] = [];
    let elfFiles = 0;
    for (const { info, result } of layers) {
      for (const [path, type, machine, bits, endian, flags] of result) {
        // Only the copy the final filesystem shows: a deleted or replaced file cannot be loaded.
        if (stack.fate(info.index, path)?.state !== 'present') continue;
        const arch = elfArchitecture({ bits, endian, machine, ...(flags >= 0 ? { flags } : {}) });
        if (type !== ET_EXEC && type !== ET_DYN) {
          if (image !== undefined && arch !== image) ignored.notLoadable++;
          continue;
        }
        elfFiles++;
        byArchitecture[arch ?? 'unknown'] = (byArchitecture[arch ?? 'unknown'] ?? 0) + 1;
        if (arch === undefined) {
          ignored.unknownMachine++;
          continue;
        }
        if (image === undefined || arch === image) continue;
        const reason = ignoredReason(path, arch, image);
        if (reason !== undefined) {
          ignored[reason]++;
          continue;
        }
        const owner = owningPackage(path);
        const name = machineName(machine);
        mismatches.push({
          path: `/${path}`,
          architecture: arch,
          imageArchitecture: image,
          machine: name,
          bits,
          ...(owner ? { package: owner.name, ecosystem: owner.ecosystem } : {}),
          evidence: fileEvidence(info, path, stack, {
            detail: `ELF ${bits}-bit ${endian === 'le' ? 'LSB' : 'MSB'} ${type === ET_EXEC ? 'executable' : 'shared object'}, ${name}`,
          }),
        });
      }
    }
    mismatches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const section: NativeCodeSection = {
      imageArchitecture: image ?? null,
      judged: image !== undefined,
      ...(image !== undefined
        ? {}
        : {
            reason:
              configured === undefined || configured.trim() === ''
                ? 'the image config names no architecture: no file is judged a mismatch'
                : `the image config's architecture "${configured.slice(0, 40)}" is not one pushgate knows: no file is judged a mismatch`,
          }),
      elfFiles,
      byArchitecture,
      mismatches: mismatches.slice(0, NATIVE_LIST_CAP),
      ignored,
      counts: { mismatches: mismatches.length },
    };
    return { nativeCode: section };
  },
  findings(facts) {
    const n = facts.nativeCode;
    if (!n) return [];
    const check = CHECKS[0];
    return n.mismatches.map((item, i): ReportFinding => {
      const more =
        i === n.mismatches.length - 1 && n.counts.mismatches > n.mismatches.length
          ? ` (and ${n.counts.mismatches - n.mismatches.length} more not listed)`
          : '';
      const from = item.package ? ` (${item.ecosystem} package ${item.package})` : '';
      return {
        check: check.id,
        severity: check.severity,
        category: check.category,
        message: `${item.path}${from} is built for ${item.architecture} (${item.machine}, ${item.bits}-bit) but the image is ${item.imageArchitecture}${more}`,
        evidence: [item.evidence],
      };
    });
  },
};
