/**
 * The names pushgate looks for: which executables are compilers, shells and package managers,
 * where executables live, and which packages install them. No scanner ships such lists (see
 * research/checks.md §d); these are our defaults.
 */

/** Where a package name comes from: an OS package database or a language installer in history. */
export type Ecosystem = 'dpkg' | 'apk' | 'rpm' | 'pacman' | 'pip' | 'npm' | 'gem';

export interface ToolSpec {
  /** Canonical name, reported as `ToolFinding.name`. */
  name: string;
  kind: string;
  /** Other file names of the same tool (`yarnpkg` for `yarn`). */
  aliases?: readonly string[];
  /** Known from the package database only (meta packages, headers): never matched against file names. */
  packageOnly?: boolean;
}

export interface PackageRule {
  ecosystems: readonly Ecosystem[];
  pattern: RegExp;
  /** Tool names the package provides; the first matching rule wins. */
  tools: readonly string[];
}

/** One detector's catalogue: tools recognised on disk and packages that install them. */
export interface ToolCatalogue {
  tools: readonly ToolSpec[];
  packages: readonly PackageRule[];
}

const OS: readonly Ecosystem[] = ['dpkg', 'apk', 'rpm', 'pacman'];

function tools(kind: string, names: string[], aliases: Record<string, string[]> = {}): ToolSpec[] {
  return names.map((name) => ({ name, kind, ...(aliases[name] ? { aliases: aliases[name] } : {}) }));
}

function packageOnly(kind: string, names: string[]): ToolSpec[] {
  return names.map((name) => ({ name, kind, packageOnly: true }));
}

function rule(ecosystems: readonly Ecosystem[], pattern: RegExp, ...names: string[]): PackageRule {
  return { ecosystems, pattern, tools: names };
}

/** Tool name for development-header packages (`*-dev`, `*-devel`): not an executable, one finding for all. */
export const DEV_HEADERS = 'dev-headers';

export const COMPILER_CATALOGUE: ToolCatalogue = {
  tools: [
    ...tools('c', ['gcc', 'g++', 'cc', 'c++', 'cpp', 'clang', 'clang++', 'ld', 'ld.gold', 'ld.lld', 'as'], {
      ld: ['ld.bfd'],
    }),
    ...tools('fortran', ['gfortran']),
    ...tools('rust', ['rustc', 'cargo']),
    ...tools('go', ['go']),
    ...tools('java', ['javac']),
    ...tools('kotlin', ['kotlinc']),
    ...tools('scala', ['scalac']),
    ...tools('node', ['tsc', 'node-gyp']),
    ...tools('asm', ['nasm', 'yasm']),
    ...tools(
      'build',
      [
        'make',
        'gmake',
        'cmake',
        'ninja',
        'meson',
        'autoconf',
        'automake',
        'libtool',
        'pkg-config',
        'bison',
        'flex',
        'm4',
      ],
      { ninja: ['ninja-build', 'samu'], 'pkg-config': ['pkgconf'] },
    ),
    // Not executables: meta packages and headers, found through the package database only.
    ...packageOnly('build', ['build-essential', 'build-base']),
    ...packageOnly('headers', [DEV_HEADERS]),
  ],
  packages: [
    rule(OS, /^(?:gcc(?:-\d+(?:\.\d+)*)?|gcc-toolset-\d+-gcc)$/, 'gcc'),
    rule(OS, /^(?:g\+\+(?:-\d+(?:\.\d+)*)?|gcc-c\+\+|gcc-toolset-\d+-gcc-c\+\+)$/, 'g++'),
    rule(OS, /^cpp(?:-\d+(?:\.\d+)*)?$/, 'cpp'),
    rule(OS, /^clang(?:-\d+(?:\.\d+)*)?$/, 'clang', 'clang++'),
    rule(OS, /^lld(?:-\d+(?:\.\d+)*)?$/, 'ld.lld'),
    rule(OS, /^binutils-gold$/, 'ld.gold'),
    rule(OS, /^binutils(?:-[a-z0-9_-]+-linux-gnu[a-z]*)?$/, 'ld', 'as'),
    rule(OS, /^(?:gfortran(?:-\d+(?:\.\d+)*)?|gcc-gfortran)$/, 'gfortran'),
    rule(OS, /^(?:rustc|rust)$/, 'rustc'),
    rule(OS, /^cargo$/, 'cargo'),
    rule(OS, /^(?:golang(?:-\d+(?:\.\d+)*)?(?:-go)?|go|golang-bin)$/, 'go'),
    rule(
      OS,
      /^(?:openjdk-\d+-jdk(?:-headless)?|default-jdk(?:-headless)?|openjdk\d+(?:-jdk)?|java-[\d.]+-openjdk-devel|temurin-\d+-jdk)$/,
      'javac',
    ),
    rule(OS, /^kotlin$/, 'kotlinc'),
    rule(OS, /^scala$/, 'scalac'),
    rule(['dpkg'], /^node-typescript$/, 'tsc'),
    rule(['npm'], /^typescript$/, 'tsc'),
    rule(['dpkg', 'npm'], /^node-gyp$/, 'node-gyp'),
    rule(OS, /^nasm$/, 'nasm'),
    rule(OS, /^yasm$/, 'yasm'),
    rule(OS, /^make(?:-guile)?$/, 'make'),
    rule([...OS, 'pip'], /^cmake3?$/, 'cmake'),
    rule([...OS, 'pip'], /^(?:ninja-build|ninja|samurai)$/, 'ninja'),
    rule([...OS, 'pip'], /^meson$/, 'meson'),
    rule(OS, /^autoconf$/, 'autoconf'),
    rule(OS, /^automake(?:-?\d+(?:\.\d+)*)?$/, 'automake'),
    rule(OS, /^libtool(?:-bin)?$/, 'libtool'),
    rule(OS, /^(?:pkg-config|pkgconf|pkgconf-pkg-config|pkgconfig)$/, 'pkg-config'),
    rule(OS, /^bison$/, 'bison'),
    rule(OS, /^flex$/, 'flex'),
    rule(OS, /^m4$/, 'm4'),
    rule(OS, /^build-essential$/, 'build-essential'),
    rule(OS, /^build-base$/, 'build-base'),
    rule(['dpkg', 'apk', 'pacman'], /^(?:.+-dev|linux-headers)$/, DEV_HEADERS),
    rule(['rpm'], /^(?:.+-devel|kernel-headers)$/, DEV_HEADERS),
  ],
};

export const SHELL_CATALOGUE: ToolCatalogue = {
  tools: [
    ...tools('sh', ['sh']),
    ...tools('bash', ['bash'], { bash: ['rbash'] }),
    ...tools('dash', ['dash']),
    ...tools('ash', ['ash']),
    ...tools('zsh', ['zsh']),
    ...tools('ksh', ['ksh'], { ksh: ['ksh93'] }),
    ...tools('mksh', ['mksh']),
    ...tools('csh', ['csh'], { csh: ['bsd-csh'] }),
    ...tools('tcsh', ['tcsh']),
    ...tools('fish', ['fish']),
    ...tools('busybox', ['busybox']),
  ],
  packages: [
    rule(OS, /^bash$/, 'bash'),
    rule(OS, /^dash$/, 'dash'),
    rule(OS, /^zsh$/, 'zsh'),
    rule(OS, /^ksh(?:93.*)?$/, 'ksh'),
    rule(OS, /^mksh$/, 'mksh'),
    rule(OS, /^(?:bsd-csh|csh)$/, 'csh'),
    rule(OS, /^tcsh$/, 'tcsh'),
    rule(OS, /^fish$/, 'fish'),
    rule(OS, /^busybox(?:-static|-extras)?$/, 'busybox'),
    rule(['apk'], /^busybox-binsh$/, 'sh'),
  ],
};

export const PACKAGE_MANAGER_CATALOGUE: ToolCatalogue = {
  tools: [
    ...tools('deb', ['apt', 'apt-get', 'dpkg']),
    ...tools('apk', ['apk']),
    ...tools('rpm', ['yum', 'dnf', 'microdnf', 'rpm', 'zypper'], { dnf: ['dnf5', 'dnf-3'] }),
    ...tools('pacman', ['pacman']),
    ...tools('python', ['pip', 'pip3', 'pipx', 'poetry']),
    ...tools('node', ['npm', 'npx', 'yarn', 'pnpm', 'corepack'], { yarn: ['yarnpkg'] }),
    ...tools('ruby', ['gem', 'bundle'], { bundle: ['bundler'] }),
    ...tools('php', ['composer']),
    ...tools('conda', ['conda', 'mamba']),
  ],
  packages: [
    rule(OS, /^apt$/, 'apt', 'apt-get'),
    rule(OS, /^dpkg$/, 'dpkg'),
    rule(OS, /^apk-tools$/, 'apk'),
    rule(OS, /^yum$/, 'yum'),
    rule(OS, /^dnf5?$/, 'dnf'),
    rule(OS, /^microdnf$/, 'microdnf'),
    rule(OS, /^rpm$/, 'rpm'),
    rule(OS, /^zypper$/, 'zypper'),
    rule(OS, /^pacman$/, 'pacman'),
    rule(OS, /^(?:python\d?-pip|py\d-pip)$/, 'pip', 'pip3'),
    rule(['pip'], /^pip$/, 'pip', 'pip3'),
    rule([...OS, 'pip'], /^(?:python3-|py3-)?pipx$/, 'pipx'),
    rule([...OS, 'pip'], /^(?:python3-|py3-)?poetry$/, 'poetry'),
    rule([...OS, 'npm'], /^npm$/, 'npm', 'npx'),
    rule([...OS, 'npm'], /^(?:yarnpkg|yarn)$/, 'yarn'),
    rule([...OS, 'npm'], /^pnpm$/, 'pnpm'),
    rule([...OS, 'npm'], /^corepack$/, 'corepack'),
    rule(OS, /^(?:ruby-rubygems|rubygems)$/, 'gem'),
    rule([...OS, 'gem'], /^(?:ruby-bundler|bundler)$/, 'bundle'),
    rule(OS, /^composer$/, 'composer'),
    rule(OS, /^conda$/, 'conda'),
    rule(OS, /^mamba$/, 'mamba'),
  ],
};

/** Tool names a package provides under `catalogue` (empty when none). */
export function toolsForPackage(
  catalogue: ToolCatalogue,
  ecosystem: Ecosystem,
  name: string,
): readonly string[] {
  for (const candidate of catalogue.packages) {
    if (candidate.ecosystems.includes(ecosystem) && candidate.pattern.test(name)) return candidate.tools;
  }
  return [];
}

const BIN_DIRS: readonly RegExp[] = [
  /^(?:usr\/(?:local\/)?)?s?bin$/,
  /^usr\/local\/[^/]+\/bin$/,
  /^usr\/lib\/(?:go(?:-[\d.]+)?|llvm-\d+|jvm\/[^/]+(?:\/jre)?)\/bin$/,
  /^usr\/[^/]+-linux-[^/]+\/bin$/,
  /^opt\/(?:[^/]+\/){1,4}bin$/,
  /^(?:root|home\/[^/]+)\/(?:\.cargo|\.local|go)\/bin$/,
  /(?:^|\/)[^/]*venv[^/]*\/bin$/,
  /(?:^|\/)node_modules\/(?:\.bin|(?:@[^/]+\/)?[^/]+\/bin)$/,
];

/** Directories where executables live (`usr/bin`, `usr/local/go/bin`, `node_modules/.bin`…); paths without a leading slash. */
export function isBinDir(dir: string): boolean {
  // Every pattern ends in `bin`: a cheap test first, since this runs for every entry of every layer.
  return dir.endsWith('bin') && BIN_DIRS.some((pattern) => pattern.test(dir));
}

/** `x86_64-linux-gnu-gcc-12` → `gcc-12`: cross and multiarch prefixes (`<arch>[-vendor]-linux[-abi]-`). */
const TRIPLET = /^[a-z0-9_]+(?:-[a-z0-9_]+)?-linux(?:-[a-z0-9_]+)?-(.+)$/;
/** `gcc-12`, `clang-16`, `automake-1.16` */
const DASH_VERSION = /^(.+?)-\d+(?:\.\d+)*$/;
/** `pip3.11` */
const DOTTED_VERSION = /^(.+?)\d+\.\d+$/;

/** Looks file names up in a catalogue, allowing versioned and multiarch-prefixed names. */
export class ToolNames {
  private readonly byName = new Map<string, ToolSpec>();
  private readonly canonical = new Map<string, ToolSpec>();

  constructor(catalogue: ToolCatalogue) {
    for (const tool of catalogue.tools) {
      this.canonical.set(tool.name, tool);
      if (tool.packageOnly) continue;
      this.byName.set(tool.name, tool);
      for (const alias of tool.aliases ?? []) this.byName.set(alias, tool);
    }
  }

  /** The catalogue entry of a canonical tool name. */
  spec(name: string): ToolSpec | undefined {
    return this.canonical.get(name);
  }

  /** The tool a file called `basename` is, or `undefined`. */
  match(basename: string): ToolSpec | undefined {
    const direct = this.lookup(basename);
    if (direct) return direct;
    const triplet = TRIPLET.exec(basename);
    return triplet ? this.lookup(triplet[1]) : undefined;
  }

  private lookup(name: string): ToolSpec | undefined {
    const exact = this.byName.get(name);
    if (exact) return exact;
    const dashed = DASH_VERSION.exec(name);
    if (dashed) {
      const found = this.byName.get(dashed[1]);
      if (found) return found;
    }
    const dotted = DOTTED_VERSION.exec(name);
    return dotted ? this.byName.get(dotted[1]) : undefined;
  }
}
