/**
 * Python distributions that only developers and CI need: test runners and their plugins, type
 * checkers, linters, formatters, coverage, interactive shells and debuggers. Runtime libraries
 * that dev tools merely depend on (mypy-extensions, pluggy, iniconfig…) are deliberately absent:
 * applications import some of them at run time.
 */
export const PYTHON_DEV_TOOLS: ReadonlySet<string> = new Set([
  'pytest',
  'pytest-cov',
  'pytest-xdist',
  'pytest-mock',
  'pytest-asyncio',
  'mypy',
  'black',
  'ruff',
  'flake8',
  'pylint',
  'pyflakes',
  'pycodestyle',
  'autopep8',
  'yapf',
  'isort',
  'coverage',
  'tox',
  'nox',
  'pre-commit',
  'ipython',
  'ipdb',
  'bandit',
]);

/** A Python distribution's metadata folder or file found in site-packages or dist-packages. */
export interface PythonDistribution {
  /** Normalised (PEP 503): lower case, runs of `-_.` as `-`. */
  name: string;
  version: string;
  /** The `*.dist-info` / `*.egg-info` path (a folder, or a file for old egg-info). */
  metadataPath: string;
}

const METADATA =
  /^(.*(?:^|\/)(?:site|dist)-packages\/([^/]+)\.(dist-info|egg-info))(?:\/(METADATA|PKG-INFO))?$/;

export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Whether a path could name a distribution's metadata: used for the detector's header-only want. */
export function isPythonMetadataPath(path: string): boolean {
  return METADATA.test(path);
}

/**
 * The distribution a metadata entry describes: `…/site-packages/pytest-8.0.0.dist-info/METADATA`
 * (wheel installs), `…/dist-packages/pytest-7.2.1.egg-info/PKG-INFO` or the single-file
 * `…/pytest-7.2.1-py3.11.egg-info` (Debian and setuptools installs). Folder entries themselves
 * are skipped: tar streams need not hold them, and the metadata file proves the install.
 */
export function parsePythonMetadataEntry(
  path: string,
  type: 'file' | 'directory' | string,
): PythonDistribution | undefined {
  const match = METADATA.exec(path);
  if (!match) return undefined;
  const [, metadataPath, base, kind, file] = match;
  if (type !== 'file' && type !== 'hardlink') return undefined;
  if (file === undefined && kind !== 'egg-info') return undefined;
  if (file !== undefined && file !== (kind === 'dist-info' ? 'METADATA' : 'PKG-INFO')) return undefined;
  const parts = /^(.+?)-(\d[^-]*?)(?:-py\d[\d.]*)?$/.exec(base);
  if (!parts) return undefined;
  return { name: normalizePythonName(parts[1]), version: parts[2], metadataPath };
}
