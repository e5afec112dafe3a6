import { describe, expect, it } from 'vitest';
import { parseComposerInstalled, parseComposerManifest } from '../../../../src/facts/dev-deps/composer.js';

describe('parseComposerInstalled', () => {
  it('reads Composer 2 dev-package-names with versions, refusing names that are not vendor/name', () => {
    const text = JSON.stringify({
      packages: [
        { name: 'phpunit/phpunit', version: '10.5.0' },
        { name: 'monolog/monolog', version: '3.5.0' },
      ],
      dev: true,
      'dev-package-names': ['phpunit/phpunit', 'no/version', '../../etc', 'plain', 42],
    });
    expect(parseComposerInstalled(text)).toEqual({
      devPackages: { 'phpunit/phpunit': '10.5.0', 'no/version': '' },
      devMode: true,
    });
  });

  it('knows Composer 1 files carry no dev marker, and refuses non-JSON', () => {
    expect(parseComposerInstalled('[{"name": "a/b"}]')).toEqual({ devPackages: {}, devMode: null });
    expect(parseComposerInstalled('{"packages": [')).toBeUndefined();
    expect(parseComposerInstalled('"x"')).toBeUndefined();
  });
});

describe('parseComposerManifest', () => {
  it('reads require-dev names', () => {
    expect(
      parseComposerManifest('{"require-dev": {"phpunit/phpunit": "^10", "mockery/mockery": "^1"}}'),
    ).toEqual({
      requireDev: ['mockery/mockery', 'phpunit/phpunit'],
    });
    expect(parseComposerManifest('{}')).toEqual({ requireDev: [] });
    expect(parseComposerManifest('nope')).toBeUndefined();
  });
});
