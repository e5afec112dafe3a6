import { describe, expect, it } from 'vitest';
import { parsePnpmModules, pnpmStoreVersion } from '../../../../src/facts/dev-deps/pnpm-modules.js';

describe('parsePnpmModules', () => {
  it('reads included.devDependencies from YAML blocks, inline maps and JSON', () => {
    const yaml =
      'hoistedDependencies:\n  a@1.0.0:\n    a: private\nincluded:\n  dependencies: true\n  devDependencies: false\n  optionalDependencies: true\nlayoutVersion: 5\n';
    expect(parsePnpmModules(yaml)).toEqual({ devDependencies: false });
    expect(parsePnpmModules(yaml.replace('devDependencies: false', 'devDependencies: true'))).toEqual({
      devDependencies: true,
    });
    expect(parsePnpmModules('included: {dependencies: true, devDependencies: true}\n')).toEqual({
      devDependencies: true,
    });
    expect(parsePnpmModules(JSON.stringify({ included: { devDependencies: false } }))).toEqual({
      devDependencies: false,
    });
  });

  it('says null when the flag is absent', () => {
    expect(parsePnpmModules('layoutVersion: 5\n')).toEqual({ devDependencies: null });
    expect(parsePnpmModules('included:\n  dependencies: true\nother: 1\n')).toEqual({
      devDependencies: null,
    });
    expect(parsePnpmModules('{}')).toEqual({ devDependencies: null });
  });
});

describe('pnpmStoreVersion', () => {
  it('reads the version from the virtual-store folder, peer suffixes cut', () => {
    expect(
      pnpmStoreVersion('app/node_modules/.pnpm/vitest@1.2.0/node_modules/vitest/package.json', 'vitest'),
    ).toBe('1.2.0');
    expect(
      pnpmStoreVersion(
        'app/node_modules/.pnpm/@types+node@20.11.0/node_modules/@types/node/package.json',
        '@types/node',
      ),
    ).toBe('20.11.0');
    expect(
      pnpmStoreVersion(
        'x/.pnpm/react-dom@18.2.0_react@18.2.0/node_modules/react-dom/package.json',
        'react-dom',
      ),
    ).toBe('18.2.0');
    expect(
      pnpmStoreVersion(
        'x/.pnpm/react-dom@18.2.0(react@18.2.0)/node_modules/react-dom/package.json',
        'react-dom',
      ),
    ).toBe('18.2.0');
  });

  it('gives undefined for hashed folders and plain node_modules', () => {
    expect(
      pnpmStoreVersion('x/.pnpm/vitest_abcdef0123/node_modules/vitest/package.json', 'vitest'),
    ).toBeUndefined();
    expect(pnpmStoreVersion('app/node_modules/vitest/package.json', 'vitest')).toBeUndefined();
  });
});
