import { describe, expect, it } from 'vitest';
import { devDependencies } from '../../../../src/facts/extractors/dev-dependencies.js';
import type { ImageFacts } from '../../../../src/facts/image-facts.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage, type FileSpec, type LayerSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import { pnpCjs, pnpCjsSplit, pnpState, type PnpPackage } from '../../../support/yarn-pnp-files.js';

async function scan(layers: LayerSpec[]): Promise<ImageFacts> {
  const image = await buildImage({ layers });
  const { facts } = await scanBuiltImage(image, { extractors: [devDependencies] });
  expectValidFacts(facts);
  return facts;
}

const MANIFEST = JSON.stringify({
  name: 'app',
  packageManager: 'yarn@4.1.0',
  dependencies: { express: '^4.18.2', esbuild: '^0.19.0' },
  devDependencies: { jest: '^29.7.0', typescript: '^5.3.3', prettier: '^3.0.0' },
});

const ZIPS = {
  express: 'express-npm-4.18.2-cbbd5c9f1e-3c4b9b0766.zip',
  jest: 'jest-npm-29.7.0-d8dd095b81-97023d7844.zip',
  typescript: 'typescript-npm-5.3.3-23a2c4f9b8-10c0.zip',
  prettier: 'prettier-npm-3.0.0-0a1b2c3d4e-10c0.zip',
};

/**
 * The registry `yarn install` writes for MANIFEST; `cache` is where its archives live, relative
 * to the project, and `virtualCache` the same folder as seen from `.yarn/__virtual__/<hash>/`
 * (`<levels up from .yarn>/<path>`).
 */
function registry(cache: string, dev = true, virtualCache = '0/cache'): PnpPackage[] {
  const zip = (name: keyof typeof ZIPS): string => `${cache}/${ZIPS[name]}/node_modules/${name}/`;
  const deps: Array<[string, string]> = [
    ['esbuild', 'npm:0.19.0'],
    ['express', 'npm:4.18.2'],
    ...(dev
      ? ([
          ['jest', 'virtual:0a1b#npm:29.7.0'],
          ['prettier', 'npm:3.0.0'],
          [
            'typescript',
            'patch:typescript@npm%3A5.3.3#~builtin<compat/typescript>::version=5.3.3&hash=e012d7',
          ],
        ] as Array<[string, string]>)
      : []),
  ];
  return [
    { name: null, reference: null, location: './', dependencies: deps },
    {
      name: 'app',
      reference: 'workspace:.',
      location: './',
      dependencies: [['app', 'workspace:.'], ...deps],
    },
    {
      name: 'esbuild',
      reference: 'npm:0.19.0',
      location: './.yarn/unplugged/esbuild-npm-0.19.0-ab12/node_modules/esbuild/',
      dependencies: [],
    },
    { name: 'express', reference: 'npm:4.18.2', location: zip('express'), dependencies: [] },
    ...(dev
      ? [
          { name: 'jest', reference: 'npm:29.7.0', location: zip('jest'), dependencies: [] },
          {
            name: 'jest',
            reference: 'virtual:0a1b#npm:29.7.0',
            location: `./.yarn/__virtual__/jest-virtual-0a1b/${virtualCache}/${ZIPS.jest}/node_modules/jest/`,
            dependencies: [],
          },
          { name: 'prettier', reference: 'npm:3.0.0', location: zip('prettier'), dependencies: [] },
          {
            name: 'typescript',
            reference: 'patch:typescript@npm%3A5.3.3#~builtin<compat/typescript>::version=5.3.3&hash=e012d7',
            location: zip('typescript'),
            dependencies: [],
          },
        ]
      : []),
  ];
}

const archive = (dir: string, name: keyof typeof ZIPS, content = 'PK\x03\x04zip'): FileSpec => ({
  path: `${dir}/${ZIPS[name]}`,
  content,
});

function packageCaches(facts: ImageFacts): Array<[string, number, number]> {
  return (facts.devDependencies?.leftovers ?? [])
    .filter((l) => l.kind === 'package-cache')
    .map((l) => [l.path, l.files, l.bytes]);
}

describe("dev-dependencies extractor: Yarn Plug'n'Play", () => {
  it('keeps the archives the loader reads, flags the rest and the install state, and reports linked dev dependencies', async () => {
    const facts = await scan([
      {
        createdBy: 'COPY package.json yarn.lock .yarnrc.yml ./',
        files: [{ path: 'app/package.json', content: MANIFEST }],
      },
      {
        createdBy: 'RUN yarn install --immutable # buildkit',
        files: [
          { path: 'app/.pnp.cjs', content: pnpCjs(pnpState(registry('./.yarn/cache'))) },
          { path: 'app/.pnp.loader.mjs', content: 'export async function resolve() {}\n' },
          archive('app/.yarn/cache', 'express'),
          archive('app/.yarn/cache', 'jest'),
          archive('app/.yarn/cache', 'typescript'),
          // prettier's archive is gone (a later cleanup, or never fetched): not a present dev dependency.
          { path: 'app/.yarn/cache/left-pad-npm-1.3.0-abc-10c0.zip', content: 'stale!' },
          { path: 'app/.yarn/cache/.gitignore', content: '/.gitignore\n' },
          {
            path: 'app/.yarn/unplugged/esbuild-npm-0.19.0-ab12/node_modules/esbuild/package.json',
            content: '{}',
          },
          { path: 'app/.yarn/install-state.gz', content: 'gzipped state' },
          { path: 'app/.yarn/build-state.yml', content: 'esbuild: 1\n' },
          // Yarn 3's global mirror: a copy of every archive nobody reads at run time.
          archive('root/.yarn/berry/cache', 'express', 'mirror-copy'),
          archive('root/.yarn/berry/cache', 'jest', 'mirror-copy'),
        ],
      },
    ]);
    expect(packageCaches(facts)).toEqual([
      ['/app/.yarn/build-state.yml', 1, 'esbuild: 1\n'.length],
      ['/app/.yarn/cache', 1, 'stale!'.length],
      ['/app/.yarn/install-state.gz', 1, 'gzipped state'.length],
      ['/root/.yarn/berry/cache', 2, 2 * 'mirror-copy'.length],
    ]);
    expect(facts.devDependencies?.leftovers.map((l) => l.kind)).toEqual([
      'package-cache',
      'package-cache',
      'package-cache',
      'package-cache',
    ]);
    expect(facts.devDependencies?.packages).toEqual([
      {
        ecosystem: 'yarn',
        name: 'jest',
        version: '29.7.0',
        reason: "devDependencies of /app/package.json; linked by Yarn Plug'n'Play (/app/.pnp.cjs)",
        direct: true,
        evidence: [
          expect.objectContaining({
            path: `/app/.yarn/cache/${ZIPS.jest}`,
            layer: 1,
            createdBy: 'RUN yarn install --immutable # buildkit',
            detail: 'jest 29.7.0',
          }),
          expect.objectContaining({ path: '/app/package.json', layer: 0, detail: 'devDependencies' }),
          expect.objectContaining({
            path: '/app/.pnp.cjs',
            layer: 1,
            detail: "Yarn Plug'n'Play package registry",
          }),
        ],
      },
      expect.objectContaining({ ecosystem: 'yarn', name: 'typescript', direct: true }),
    ]);
    // A patched package has no plain npm version to show.
    expect(facts.devDependencies?.packages[1]).not.toHaveProperty('version');
    expect(facts.devDependencies?.incomplete).toEqual([]);
    expect(devDependencies.findings(facts).map((f) => f.message)).toContain(
      "jest 29.7.0 (yarn dev dependency: devDependencies of /app/package.json; linked by Yarn Plug'n'Play (/app/.pnp.cjs))",
    );
  });

  it('reads the global cache a Yarn 4 loader points into, and a registry split into .pnp.data.json', async () => {
    const facts = await scan([
      {
        files: [
          { path: 'srv/app/package.json', content: MANIFEST },
          { path: 'srv/app/.pnp.cjs', content: pnpCjsSplit() },
          {
            path: 'srv/app/.pnp.data.json',
            content: JSON.stringify(
              pnpState(registry('../../root/.yarn/berry/cache', true, '3/root/.yarn/berry/cache')),
            ),
          },
          archive('root/.yarn/berry/cache', 'express'),
          archive('root/.yarn/berry/cache', 'jest'),
          archive('root/.yarn/berry/cache', 'prettier'),
        ],
      },
    ]);
    expect(packageCaches(facts)).toEqual([]);
    expect(
      facts.devDependencies?.packages.map((p) => [p.name, p.version, p.evidence[0].path, p.reason]),
    ).toEqual([
      [
        'jest',
        '29.7.0',
        `/root/.yarn/berry/cache/${ZIPS.jest}`,
        "devDependencies of /srv/app/package.json; linked by Yarn Plug'n'Play (/srv/app/.pnp.data.json)",
      ],
      [
        'prettier',
        '3.0.0',
        `/root/.yarn/berry/cache/${ZIPS.prettier}`,
        "devDependencies of /srv/app/package.json; linked by Yarn Plug'n'Play (/srv/app/.pnp.data.json)",
      ],
    ]);
  });

  it('reports nothing linked after a production focus, and the dev archives left in the cache as leftovers', async () => {
    const facts = await scan([
      {
        createdBy: 'COPY . . # zero-install: the cache is committed',
        files: [
          { path: 'app/package.json', content: MANIFEST },
          archive('app/.yarn/cache', 'express'),
          archive('app/.yarn/cache', 'jest'),
          archive('app/.yarn/cache', 'typescript'),
        ],
      },
      {
        createdBy: 'RUN yarn workspaces focus --production',
        files: [{ path: 'app/.pnp.cjs', content: pnpCjs(pnpState(registry('./.yarn/cache', false))) }],
      },
    ]);
    expect(facts.devDependencies?.packages).toEqual([]);
    expect(packageCaches(facts)).toEqual([['/app/.yarn/cache', 2, 2 * 'PK\x03\x04zip'.length]]);
  });

  it('flags the whole project cache where no loader reads it (node-modules linker)', async () => {
    const facts = await scan([
      {
        files: [
          { path: 'app/package.json', content: MANIFEST },
          { path: 'app/.yarnrc.yml', content: 'nodeLinker: node-modules\n' },
          archive('app/.yarn/cache', 'express'),
          archive('app/.yarn/cache', 'jest'),
          { path: 'app/node_modules/express/package.json', content: '{"name":"express","version":"4.18.2"}' },
          { path: 'app/node_modules/.yarn-state.yml', content: '__metadata:\n  version: 1\n' },
        ],
      },
    ]);
    expect(packageCaches(facts)).toEqual([['/app/.yarn/cache', 2, 2 * 'PK\x03\x04zip'.length]]);
  });

  it('counts every Yarn cache archive as in use when a loader cannot be read, and says so', async () => {
    const facts = await scan([
      {
        files: [
          { path: 'app/package.json', content: MANIFEST },
          { path: 'app/.pnp.cjs', content: '"use strict";\nmodule.exports = require("./elsewhere");\n' },
          archive('app/.yarn/cache', 'express'),
          archive('root/.yarn/berry/cache', 'jest'),
          { path: 'app/.yarn/install-state.gz', content: 'state' },
        ],
      },
    ]);
    expect(packageCaches(facts)).toEqual([['/app/.yarn/install-state.gz', 1, 5]]);
    expect(facts.devDependencies?.packages).toEqual([]);
    expect(facts.devDependencies?.incomplete).toEqual([
      { path: '/app/.pnp.cjs', reason: "no Plug'n'Play package registry found" },
    ]);
  });
});
