import { describe, expect, it } from 'vitest';
import {
  isPythonMetadataPath,
  normalizePythonName,
  parsePythonMetadataEntry,
  PYTHON_DEV_TOOLS,
} from '../../../../src/facts/dev-deps/python-dev-tools.js';

describe('python dev tools', () => {
  it('lists the usual test, lint and debug tools', () => {
    for (const name of [
      'pytest',
      'mypy',
      'black',
      'ruff',
      'flake8',
      'pylint',
      'isort',
      'coverage',
      'tox',
      'nox',
    ]) {
      expect(PYTHON_DEV_TOOLS.has(name)).toBe(true);
    }
    for (const name of ['pre-commit', 'ipython', 'ipdb', 'bandit'])
      expect(PYTHON_DEV_TOOLS.has(name)).toBe(true);
    for (const name of ['requests', 'mypy-extensions', 'pluggy'])
      expect(PYTHON_DEV_TOOLS.has(name)).toBe(false);
  });

  it('normalises names as PEP 503 does', () => {
    expect(normalizePythonName('Pre_Commit')).toBe('pre-commit');
    expect(normalizePythonName('pytest.cov')).toBe('pytest-cov');
  });

  it('parses dist-info METADATA, egg-info PKG-INFO and single-file egg-info', () => {
    const site = 'usr/local/lib/python3.12/site-packages';
    expect(parsePythonMetadataEntry(`${site}/pytest-8.0.0.dist-info/METADATA`, 'file')).toEqual({
      name: 'pytest',
      version: '8.0.0',
      metadataPath: `${site}/pytest-8.0.0.dist-info`,
    });
    expect(parsePythonMetadataEntry(`${site}/pre_commit-3.6.0.dist-info/METADATA`, 'file')?.name).toBe(
      'pre-commit',
    );
    expect(
      parsePythonMetadataEntry('usr/lib/python3/dist-packages/black-23.1.0.egg-info/PKG-INFO', 'file'),
    ).toEqual({
      name: 'black',
      version: '23.1.0',
      metadataPath: 'usr/lib/python3/dist-packages/black-23.1.0.egg-info',
    });
    expect(
      parsePythonMetadataEntry('usr/lib/python3/dist-packages/tox-4.0.0-py3.11.egg-info', 'file'),
    ).toEqual({
      name: 'tox',
      version: '4.0.0',
      metadataPath: 'usr/lib/python3/dist-packages/tox-4.0.0-py3.11.egg-info',
    });
    expect(parsePythonMetadataEntry(`${site}/flake8-7.0.0.dist-info/METADATA`, 'hardlink')?.version).toBe(
      '7.0.0',
    );
  });

  it('ignores folders, other files and paths outside site-packages', () => {
    const site = 'usr/local/lib/python3.12/site-packages';
    expect(parsePythonMetadataEntry(`${site}/pytest-8.0.0.dist-info`, 'directory')).toBeUndefined();
    expect(parsePythonMetadataEntry(`${site}/pytest-8.0.0.dist-info/RECORD`, 'file')).toBeUndefined();
    expect(parsePythonMetadataEntry(`${site}/pytest-8.0.0.dist-info/PKG-INFO`, 'file')).toBeUndefined();
    expect(parsePythonMetadataEntry('app/pytest-8.0.0.dist-info/METADATA', 'file')).toBeUndefined();
    expect(parsePythonMetadataEntry(`${site}/noversion.dist-info/METADATA`, 'file')).toBeUndefined();
    expect(isPythonMetadataPath(`${site}/pytest-8.0.0.dist-info/METADATA`)).toBe(true);
    expect(isPythonMetadataPath(`${site}/pytest/__init__.py`)).toBe(false);
  });
});
