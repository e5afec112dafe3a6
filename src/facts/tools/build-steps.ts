import { commandProgram, displayCommand, shellCommands } from './history-commands.js';

/** A history step that copies files from the build context (or, indistinguishably, another stage). */
export interface ContextCopy {
  /** BuildKit names the sources (`COPY . . # buildkit`); the classic builder only a content hash. */
  builder: 'buildkit' | 'classic';
  /** True when a source is the context root (`.`, `./`, `/`, `*`): BuildKit steps only. */
  wholeContext: boolean;
  /** The classic builder's `dir:<hash>` (a directory) or `file:`/`multi:` (files). */
  sourceKind?: 'dir' | 'file' | 'multi';
  /** The destination resolved against the working directory in force. */
  destination: string;
}

/** A dependency install found in a `RUN` step, and the directory it runs in. */
export interface DependencyInstall {
  command: string;
  directory: string;
}

const BUILDKIT_SUFFIX = /\s*#\s*buildkit\s*$/;
const CONTEXT_ROOTS = new Set(['.', './', '/', '*', './*']);

/** `path` resolved against `base` (both absolute once resolved), `.` and `..` folded, no trailing slash. */
export function resolvePath(base: string, path: string): string {
  const parts = (path.startsWith('/') ? path : `${base}/${path}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** The directory a `WORKDIR` step sets (resolved against `current`), or `undefined` when it is none. */
export function workdirOf(createdBy: string, current: string): string | undefined {
  const match = /^(?:\/bin\/sh -c #\(nop\)\s+)?WORKDIR\s+(.+?)\s*$/.exec(
    createdBy.replace(BUILDKIT_SUFFIX, ''),
  );
  return match ? resolvePath(current, match[1]) : undefined;
}

/**
 * The copy a `COPY`/`ADD` step is, as each builder records it:
 * - BuildKit: `COPY [--chown=…] <src>… <dest> # buildkit` (sources as written; `--from` is not
 *   recorded, so a copy from another stage's root looks the same); kaniko the same without `# buildkit`;
 * - classic: `/bin/sh -c #(nop) COPY [--chown=…]dir:<sha256> in <dest> ` (`file:` for one file,
 *   `multi:` for several or a wildcard); the sources' names are gone.
 */
export function contextCopyOf(createdBy: string, workdir: string): ContextCopy | undefined {
  const classic = /#\(nop\)\s+(?:COPY|ADD)\s+.*?(dir|file|multi):[0-9a-f]{64} in (.+?)\s*$/.exec(createdBy);
  if (classic) {
    return {
      builder: 'classic',
      wholeContext: false,
      sourceKind: classic[1] as 'dir' | 'file' | 'multi',
      destination: resolvePath(workdir, classic[2]),
    };
  }
  // BuildKit appends `# buildkit`; kaniko writes the same without it.
  const buildkit = /^(?:COPY|ADD)\s+(.*)$/s.exec(createdBy.replace(BUILDKIT_SUFFIX, '').trim());
  if (!buildkit) return undefined;
  let words: string[];
  const rest = buildkit[1].trim();
  const options = /^(?:--\S+\s+)*/.exec(rest)?.[0] ?? '';
  if (/(?:^|\s)--from=/.test(options)) return undefined;
  const operands = rest.slice(options.length);
  if (operands.startsWith('[')) {
    try {
      const parsed = JSON.parse(operands) as unknown;
      if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) return undefined;
      words = parsed as string[];
    } catch {
      return undefined;
    }
  } else {
    words = operands.split(/\s+/).filter((word) => word !== '');
  }
  if (words.length < 2) return undefined;
  const sources = words.slice(0, -1);
  return {
    builder: 'buildkit',
    wholeContext: sources.some((source) => CONTEXT_ROOTS.has(source)),
    destination: resolvePath(workdir, words[words.length - 1]),
  };
}

/** Positional arguments (not options) from `start` on. */
function positional(words: readonly string[], start: number): string[] {
  return words.slice(start).filter((word) => !word.startsWith('-'));
}

/** Whether a simple command installs a project's dependencies from its manifests. */
function isDependencyInstall(words: readonly string[]): boolean {
  const start = commandProgram(words);
  if (start === undefined) return false;
  let { program, rest } = start;
  const args = positional(words, rest);
  const verb = args[0];
  const has = (...options: string[]): boolean => words.slice(rest).some((word) => options.includes(word));
  if (/^python[\d.]*$/.test(program) && words[rest] === '-m' && /^pip[\d.]*$/.test(words[rest + 1] ?? '')) {
    program = 'pip';
    rest += 2;
  }
  switch (program) {
    case 'npm':
      if (verb === 'ci' || verb === 'clean-install' || verb === 'install-clean') return true;
      // `npm install` without package names installs package.json's; `npm install -g pm2` installs a tool.
      return (
        (verb === 'install' || verb === 'i' || verb === 'isntall') &&
        args.length === 1 &&
        !has('-g', '--global')
      );
    case 'yarn':
      // Bare `yarn` is `yarn install`.
      return verb === undefined || verb === 'install';
    case 'pnpm':
      return (
        (verb === 'install' || verb === 'i' || verb === 'fetch') &&
        args.length === 1 &&
        !has('-g', '--global')
      );
    case 'uv':
      return verb === 'sync' || (verb === 'pip' && args[1] === 'install' && has('-r', '--requirement'));
    case 'poetry':
    case 'pipenv':
    case 'composer':
      return verb === 'install' && args.length === 1;
    case 'bundle':
      return verb === 'install';
    case 'go':
      return verb === 'mod' && args[1] === 'download';
    case 'dotnet':
      return verb === 'restore';
    default:
      if (/^pip[\d.]*$/.test(program)) {
        const pipArgs = words.slice(rest);
        return (
          pipArgs.includes('install') &&
          pipArgs.some((w) => w === '-r' || w === '--requirement' || w.startsWith('--requirement='))
        );
      }
      return false;
  }
}

/**
 * The dependency installs of a `RUN` step (`npm ci`, `npm install` of package.json, `yarn
 * [install]`, `pnpm install`, `pip install -r`, `uv sync`, `poetry|pipenv|composer install`,
 * `bundle install`, `go mod download`, `dotnet restore`), each with the directory it runs in:
 * `workdir`, or the last `cd DIR` before it in the same step.
 */
export function dependencyInstallsOf(createdBy: string, workdir: string): DependencyInstall[] {
  const found: DependencyInstall[] = [];
  let directory = workdir;
  for (const words of shellCommands(createdBy) ?? []) {
    if (words[0] === 'cd' && words.length === 2) {
      directory = resolvePath(directory, words[1]);
      continue;
    }
    if (isDependencyInstall(words)) found.push({ command: displayCommand(words), directory });
  }
  return found;
}
