import { describe, expect, it } from 'vitest';
import {
  parsePackageManifest,
  readInstalledPackageJson,
} from '../../../../src/facts/dev-deps/package-json.js';

describe('parsePackageManifest', () => {
  it('keeps dependency names only (specs may carry tokens), sorted', () => {
    const manifest = parsePackageManifest(
      JSON.stringify({
        name: 'app',
        dependencies: { express: '4' },
        optionalDependencies: { fsevents: '2' },
        peerDependencies: { react: '18' },
        devDependencies: { typescript: '5', 'private-lib': 'git+https://user:ghp_secret@github.com/x/y.git' },
      }),
    );
    expect(manifest).toEqual({
      name: 'app',
      devDependencies: ['private-lib', 'typescript'],
      runtimeDependencies: ['express', 'fsevents', 'react'],
    });
    expect(JSON.stringify(manifest)).not.toContain('ghp_secret');
  });

  it('tolerates missing or odd sections and refuses non-objects', () => {
    expect(parsePackageManifest('{"devDependencies": ["a"], "dependencies": null}')).toEqual({
      devDependencies: [],
      runtimeDependencies: [],
    });
    expect(parsePackageManifest('[1]')).toBeUndefined();
    expect(parsePackageManifest('{"name": ')).toBeUndefined();
  });
});

describe('readInstalledPackageJson', () => {
  it('reads name and version, also from a truncated document', () => {
    expect(readInstalledPackageJson('{"name": "jest", "version": "29.7.0"}')).toEqual({
      name: 'jest',
      version: '29.7.0',
    });
    expect(
      readInstalledPackageJson('{\n  "name": "@types/node",\n  "version": "20.11.0",\n  "description": "Ty'),
    ).toEqual({ name: '@types/node', version: '20.11.0' });
    expect(readInstalledPackageJson('{"version": 3}')).toEqual({});
    expect(readInstalledPackageJson('garbage')).toEqual({});
  });
});
