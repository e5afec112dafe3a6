import { describe, expect, it } from 'vitest';
import { archiveOf, parsePnpManifest, pnpVersion } from '../../../../src/facts/dev-deps/yarn-pnp.js';
import { pnpCjs, pnpCjsSplit, pnpJsYarn2, pnpState } from '../../../support/yarn-pnp-files.js';

const JEST_ZIP = 'jest-npm-29.7.0-d8dd095b81-97023d7844.zip';
const STATE = pnpState([
  {
    name: null,
    reference: null,
    location: './',
    dependencies: [
      ['express', 'npm:4.18.2'],
      ['jest', 'npm:29.7.0'],
    ],
  },
  {
    name: 'app',
    reference: 'workspace:.',
    location: './',
    dependencies: [
      ['app', 'workspace:.'],
      ['express', 'npm:4.18.2'],
      ['jest', 'virtual:0a1b#npm:29.7.0'],
      ['lodash-alias', ['lodash', 'npm:4.17.21']],
      ['esbuild', 'npm:0.19.0'],
      ['missing-peer', null],
    ],
  },
  {
    name: 'express',
    reference: 'npm:4.18.2',
    // Yarn 4's global cache, relative to the project at /srv/app.
    location: '../../root/.yarn/berry/cache/express-npm-4.18.2-cbbd5c9f1e-10c0.zip/node_modules/express/',
    dependencies: [['express', 'npm:4.18.2']],
  },
  {
    name: 'jest',
    reference: 'npm:29.7.0',
    location: `./.yarn/cache/${JEST_ZIP}/node_modules/jest/`,
    dependencies: [],
  },
  {
    name: 'jest',
    reference: 'virtual:0a1b#npm:29.7.0',
    location: `./.yarn/__virtual__/jest-virtual-0a1b/0/cache/${JEST_ZIP}/node_modules/jest/`,
    dependencies: [],
  },
  {
    name: 'lodash',
    reference: 'npm:4.17.21',
    location: './.yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/node_modules/lodash/',
    dependencies: [],
  },
  {
    name: 'esbuild',
    reference: 'npm:0.19.0',
    location: './.yarn/unplugged/esbuild-npm-0.19.0-abc/node_modules/esbuild/',
    dependencies: [],
  },
]);

const EXPECTED = {
  complete: true,
  archives: [
    `root/.yarn/berry/cache/express-npm-4.18.2-cbbd5c9f1e-10c0.zip`,
    `srv/app/.yarn/cache/${JEST_ZIP}`,
    'srv/app/.yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip',
  ],
  workspaces: [
    {
      location: 'srv/app',
      dependencies: {
        express: {
          reference: 'npm:4.18.2',
          location: 'root/.yarn/berry/cache/express-npm-4.18.2-cbbd5c9f1e-10c0.zip/node_modules/express',
        },
        jest: {
          reference: 'virtual:0a1b#npm:29.7.0',
          location: `srv/app/.yarn/cache/${JEST_ZIP}/node_modules/jest`,
        },
        'lodash-alias': {
          reference: 'npm:4.17.21',
          location: 'srv/app/.yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/node_modules/lodash',
        },
        esbuild: {
          reference: 'npm:0.19.0',
          location: 'srv/app/.yarn/unplugged/esbuild-npm-0.19.0-abc/node_modules/esbuild',
        },
      },
    },
  ],
};

describe('parsePnpManifest', () => {
  it("reads Yarn 3/4's inlined string: archives (global cache, virtual folders resolved) and workspace dependencies", () => {
    const manifest = parsePnpManifest(pnpCjs(STATE), 'srv/app/.pnp.cjs');
    expect(manifest).toEqual(EXPECTED);
    // The workspace itself is no dependency of its own, an unresolved peer is skipped.
    expect(Object.keys(manifest.workspaces[0].dependencies)).not.toContain('app');
  });

  it("reads Yarn 2's object literal and .pnp.data.json alike", () => {
    expect(parsePnpManifest(pnpJsYarn2(STATE), 'srv/app/.pnp.js')).toEqual(EXPECTED);
    expect(parsePnpManifest(JSON.stringify(STATE), 'srv/app/.pnp.data.json')).toEqual(EXPECTED);
  });

  it('points a split loader at its data file', () => {
    expect(parsePnpManifest(pnpCjsSplit(), 'srv/app/.pnp.cjs')).toEqual({
      complete: true,
      dataFile: 'srv/app/.pnp.data.json',
      archives: [],
      workspaces: [],
    });
  });

  it('falls back to the top-level locator without dependencyTreeRoots', () => {
    const { dependencyTreeRoots: _roots, ...state } = STATE;
    const manifest = parsePnpManifest(JSON.stringify(state), 'srv/app/.pnp.data.json');
    expect(Object.keys(manifest.workspaces[0].dependencies)).toEqual(['express', 'jest']);
  });

  it('is incomplete when cut short or not a loader, and drops locations outside the filesystem', () => {
    const text = pnpCjs(STATE);
    expect(parsePnpManifest(text.slice(0, text.length / 2), 'srv/app/.pnp.cjs')).toEqual({
      complete: false,
      archives: [],
      workspaces: [],
    });
    expect(parsePnpManifest('module.exports = {}', 'app/.pnp.cjs').complete).toBe(false);
    expect(parsePnpManifest('{"packageRegistryData": 3}', 'app/.pnp.data.json').complete).toBe(false);
    const escaping = pnpState([
      { name: null, reference: null, location: './', dependencies: [['x', 'npm:1.0.0']] },
      { name: 'x', reference: 'npm:1.0.0', location: '../../../x.zip/node_modules/x/', dependencies: [] },
    ]);
    expect(parsePnpManifest(JSON.stringify(escaping), 'app/.pnp.data.json')).toMatchObject({
      complete: true,
      archives: [],
    });
  });
});

describe('pnpVersion and archiveOf', () => {
  it('reads npm versions from references and archives from locations', () => {
    expect(pnpVersion('npm:29.7.0')).toBe('29.7.0');
    expect(pnpVersion('virtual:0a1b#npm:29.7.0')).toBe('29.7.0');
    expect(pnpVersion('workspace:.')).toBeUndefined();
    expect(pnpVersion('patch:x@npm%3A1.0.0#./p.patch::version=1.0.0&hash=abc')).toBeUndefined();
    expect(archiveOf('a/.yarn/cache/x.zip/node_modules/x')).toBe('a/.yarn/cache/x.zip');
    expect(archiveOf('a/.yarn/unplugged/x/node_modules/x')).toBeUndefined();
  });
});
