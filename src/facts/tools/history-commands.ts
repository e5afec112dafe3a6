import type { Ecosystem } from './tool-catalogue.js';

/** One package-manager install command found in a history step. */
export interface InstallCommand {
  ecosystem: Ecosystem;
  /** The command as written (whitespace collapsed, at most 160 characters). */
  command: string;
  /** Package names, without version or release qualifiers. */
  packages: string[];
}

interface Grammar {
  ecosystem: Ecosystem;
  /** Sub-commands that install; empty when the command itself installs (`pacman -S` is handled apart). */
  verbs: readonly string[];
  /** Options that take the next word as their value (unless written `--opt=value`). */
  valued: readonly string[];
  /** Removes version qualifiers from a package argument. */
  clean: (word: string) => string;
}

const stripAfter = (pattern: RegExp) => (word: string) => word.replace(pattern, '');

const APT: Grammar = {
  ecosystem: 'dpkg',
  verbs: ['install', 'reinstall'],
  valued: ['-o', '-t', '-c', '--option', '--target-release', '--default-release', '--config-file'],
  clean: stripAfter(/[=/:].*$/),
};
const APK: Grammar = {
  ecosystem: 'apk',
  verbs: ['add'],
  valued: [
    '-t',
    '--virtual',
    '-X',
    '--repository',
    '-p',
    '--root',
    '--arch',
    '--keys-dir',
    '--cache-dir',
    '--repositories-file',
  ],
  clean: stripAfter(/[=<>~].*$/),
};
const RPM_FAMILY: Grammar = {
  ecosystem: 'rpm',
  verbs: ['install', 'in', 'reinstall', 'groupinstall'],
  valued: [
    '-c',
    '--config',
    '--installroot',
    '--releasever',
    '--setopt',
    '--enablerepo',
    '--disablerepo',
    '-r',
    '--repo',
  ],
  clean: (word) => word,
};
const PIP: Grammar = {
  ecosystem: 'pip',
  verbs: ['install'],
  valued: [
    '-r',
    '--requirement',
    '-c',
    '--constraint',
    '-e',
    '--editable',
    '-i',
    '--index-url',
    '--extra-index-url',
    '-t',
    '--target',
    '--prefix',
    '--root',
    '-f',
    '--find-links',
  ],
  clean: (word) => word.replace(/[<>=!~;[@ ].*$/, '').toLowerCase(),
};
const NPM: Grammar = {
  ecosystem: 'npm',
  verbs: ['install', 'i', 'add', 'isntall'],
  valued: ['--prefix', '--registry', '--cache'],
  clean: (word) => word.replace(/^(@?[^@]+)@.*$/, '$1'),
};
const GEM: Grammar = {
  ecosystem: 'gem',
  verbs: ['install'],
  valued: ['-v', '--version', '-i', '--install-dir', '-n', '--bindir', '--source'],
  clean: (word) => word.replace(/:.*$/, ''),
};

const GRAMMARS: Record<string, Grammar> = {
  'apt-get': APT,
  apt: APT,
  aptitude: APT,
  apk: APK,
  yum: RPM_FAMILY,
  dnf: RPM_FAMILY,
  dnf5: RPM_FAMILY,
  microdnf: RPM_FAMILY,
  tdnf: RPM_FAMILY,
  zypper: RPM_FAMILY,
  npm: NPM,
  pnpm: NPM,
  yarn: NPM,
  gem: GEM,
};

/** Prefixes of a command that do not change what runs. */
const TRANSPARENT = new Set(['sudo', 'env', 'command', 'exec', 'time', 'nice', 'nohup']);

/** Turns a `created_by` into its shell text: drops `/bin/sh -c`, `RUN`, build-arg prefixes and `# buildkit`. */
function shellText(createdBy: string): string | undefined {
  let text = createdBy.trim();
  if (/#\(nop\)/.test(text)) return undefined;
  text = text.replace(/^RUN\s+/, '');
  text = text.replace(/^\|\d+\s+(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*/, '');
  text = text.replace(/^(?:\/bin\/|\/usr\/bin\/)?(?:ba|da|a)?sh\s+-[a-z]*c\s+/, '');
  return text.replace(/\s*#\s*buildkit\s*$/, '');
}

function unquote(word: string): string {
  return word.replace(/^['"]+|['"]+$/g, '');
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** Package arguments after `start`, skipping options and their values. */
function packageArgs(words: string[], start: number, grammar: Grammar): string[] {
  const packages: string[] = [];
  for (let i = start; i < words.length; i++) {
    const word = words[i];
    if (word.startsWith('-')) {
      if (grammar.valued.includes(word)) i++;
      continue;
    }
    if (
      word.includes('$') ||
      word.startsWith('.') ||
      word.includes('://') ||
      /\.(?:deb|rpm|apk|whl|tgz|txt)$/.test(word)
    )
      continue;
    const name = grammar.clean(word);
    if (/^@?[A-Za-z0-9][A-Za-z0-9+._/-]*$/.test(name)) packages.push(name);
  }
  return packages;
}

/**
 * Where the program of a tokenised simple command is, past `sudo`, `env`, `VAR=value` and the
 * like: its name without directory and the index of its first argument; `undefined` when none.
 */
export function commandProgram(words: readonly string[]): { program: string; rest: number } | undefined {
  let i = 0;
  while (
    i < words.length &&
    (TRANSPARENT.has(words[i]) ||
      /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]) ||
      (words[i].startsWith('-') && i > 0 && TRANSPARENT.has(words[i - 1])))
  ) {
    i++;
  }
  if (i >= words.length) return undefined;
  return { program: basename(words[i]), rest: i + 1 };
}

/** The install command a tokenised simple command is, if any. */
function parseCommand(words: string[]): Omit<InstallCommand, 'command'> | undefined {
  const start = commandProgram(words);
  if (start === undefined) return undefined;
  let { program, rest } = start;
  // `python3 -m pip install …`
  if (/^python[\d.]*$/.test(program) && words[rest] === '-m' && /^pip[\d.]*$/.test(words[rest + 1] ?? '')) {
    program = 'pip';
    rest += 2;
  }
  if (/^pip[\d.]*$/.test(program)) return withVerb(words, rest, PIP);
  if (program === 'pacman') {
    const sync = words.findIndex((word, k) => k >= rest && (/^-S[a-z]*$/.test(word) || word === '--sync'));
    if (sync === -1) return undefined;
    const packages = packageArgs(words, sync + 1, {
      ...APT,
      ecosystem: 'pacman',
      valued: ['--root', '--dbpath', '--config'],
    });
    return packages.length > 0 ? { ecosystem: 'pacman', packages } : undefined;
  }
  if (program === 'yarn' && words[rest] === 'global') rest++;
  const grammar = GRAMMARS[program];
  return grammar ? withVerb(words, rest, grammar) : undefined;
}

function withVerb(
  words: string[],
  start: number,
  grammar: Grammar,
): Omit<InstallCommand, 'command'> | undefined {
  for (let i = start; i < words.length; i++) {
    const word = words[i];
    if (word.startsWith('-')) {
      if (grammar.valued.includes(word)) i++;
      continue;
    }
    if (!grammar.verbs.includes(word)) return undefined;
    const packages = packageArgs(words, i + 1, grammar);
    return packages.length > 0 ? { ecosystem: grammar.ecosystem, packages } : undefined;
  }
  return undefined;
}

/**
 * The package-manager install commands of one history step (`apt-get install`, `apk add`,
 * `yum|dnf|microdnf|zypper install`, `pacman -S`, `pip install`, `npm|pnpm install`, `yarn
 * [global] add`, `gem install`). Shell syntax is split on `&&`, `||`, `;`, `|`, newlines and
 * parentheses; anything subtler (variables, loops) is not interpreted.
 */
export function installCommands(createdBy: string): InstallCommand[] {
  const found: InstallCommand[] = [];
  for (const words of shellCommands(createdBy) ?? []) {
    const parsed = parseCommand(words);
    if (parsed) found.push({ ...parsed, command: displayCommand(words) });
  }
  return found;
}

/**
 * The simple commands of a history step's shell text, in order, each as its words (quotes
 * dropped); `undefined` for a `#(nop)` step (COPY, ENV, WORKDIR… of the classic builder). Split
 * on `&&`, `||`, `;`, `|`, newlines, parentheses and backquotes; nothing subtler is interpreted.
 */
export function shellCommands(createdBy: string): string[][] | undefined {
  const text = shellText(createdBy);
  if (text === undefined) return undefined;
  const commands: string[][] = [];
  for (const segment of text.replace(/\\\r?\n/g, ' ').split(/&&|\|\||[;|\n()`]/)) {
    const words = segment
      .trim()
      .split(/\s+/)
      .map(unquote)
      .filter((word) => word !== '');
    if (words.length > 0) commands.push(words);
  }
  return commands;
}

/** A command's words as reports show them: whitespace collapsed, at most 160 characters. */
export function displayCommand(words: readonly string[]): string {
  const command = words.join(' ');
  return command.length > 160 ? `${command.slice(0, 157)}...` : command;
}
