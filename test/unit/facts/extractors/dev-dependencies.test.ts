import { beforeAll, describe, expect, it } from 'vitest';
import { devDependencies } from '../../../../src/facts/extractors/dev-dependencies.js';
import { EXTRACTORS } from '../../../../src/facts/extractors/index.js';
import type { BuildLeftover, DevDependency, ImageFacts } from '../../../../src/facts/image-facts.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage, type FileSpec, type LayerSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import type { GatherOptions } from '../../../../src/facts/gather-facts.js';

async function scan(layers: LayerSpec[], options: GatherOptions = {}): Promise<ImageFacts> {
  const image = await buildImage({ layers });
  const { facts } = await scanBuiltImage(image, { extractors: [devDependencies], ...options });
  expectValidFacts(facts);
  return facts;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);
const pkg = (name: string, version: string): FileSpec => ({
  path: `app/node_modules/${name}/package.json`,
  content: json({ name, version, description: 'x', main: 'index.js' }),
});

function byName(facts: ImageFacts, name: string): DevDependency | undefined {
  return facts.devDependencies?.packages.find((p) => p.name === name);
}

function leftover(facts: ImageFacts, kind: BuildLeftover['kind']): BuildLeftover[] {
  return facts.devDependencies?.leftovers.filter((l) => l.kind === kind) ?? [];
}

const APP_MANIFEST = json({
  name: 'app',
  version: '1.0.0',
  dependencies: { express: '^4.18.2' },
  devDependencies: { jest: '^29.7.0', typescript: '^5.3.0', '@types/node': '^20.0.0' },
});

const HIDDEN_LOCK = json({
  name: 'app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    'node_modules/express': { version: '4.18.2', resolved: 'https://r/express.tgz' },
    'node_modules/jest': { version: '29.7.0', dev: true },
    'node_modules/typescript': { version: '5.3.3', dev: true },
    'node_modules/@types/node': { version: '20.11.0', dev: true },
    'node_modules/@jest/core': { version: '29.7.0', dev: true },
    'node_modules/jest/node_modules/nested-dev': { version: '1.0.0', dev: true },
    'node_modules/fsevents': { version: '2.3.3', dev: true, optional: true },
    'node_modules/maybe': { version: '1.0.0', devOptional: true },
  },
});

describe('dev-dependencies extractor: single-stage image', () => {
  let facts: ImageFacts;
  beforeAll(async () => {
    facts = await scan([
      {
        createdBy: 'ADD rootfs.tar /',
        files: [
          { path: 'etc/os-release', content: 'ID=debian\n' },
          // The distribution's own tests, maps, examples: never leftovers.
          { path: 'usr/lib/python3/dist-packages/numpy/tests/test_core.py', content: 'def test(): pass\n' },
          { path: 'usr/lib/node_modules/npm/test/lib/npm.js', content: 'x' },
          { path: 'usr/share/doc/pkg/examples/Dockerfile', content: 'FROM x\n' },
          { path: 'boot/System.map-6.1', content: 'ffff T start\n' },
          { path: 'var/lib/apt/lists/lock', content: '' },
          { path: 'var/cache/apt/archives/lock', content: '' },
        ],
      },
      {
        createdBy: 'COPY . /app # buildkit',
        files: [
          { path: 'app/package.json', content: APP_MANIFEST },
          { path: 'app/src/index.ts', content: 'export const x: number = 1;\n' },
          { path: 'app/src/types.d.ts', content: 'declare const y: number;\n' },
          { path: 'app/test/app.test.js', content: 'test("x", () => {});\n' },
          { path: 'app/.git/HEAD', content: 'ref: refs/heads/main\n' },
          { path: 'app/.git/config', content: '[core]\n' },
          { path: 'app/Dockerfile', content: 'FROM node:20\n' },
          { path: 'app/docker-compose.yml', content: 'services: {}\n' },
          { path: 'app/.vscode/settings.json', content: '{}' },
        ],
      },
      {
        createdBy: 'RUN npm ci # buildkit',
        files: [
          pkg('express', '4.18.2'),
          pkg('jest', '29.7.0'),
          pkg('typescript', '5.3.3'),
          pkg('@types/node', '20.11.0'),
          pkg('@jest/core', '29.7.0'),
          {
            path: 'app/node_modules/jest/node_modules/nested-dev/package.json',
            content: json({ version: '1.0.0' }),
          },
          { path: 'app/node_modules/.package-lock.json', content: HIDDEN_LOCK },
          // A dependency's own tests and maps are its business.
          { path: 'app/node_modules/express/test/app.js', content: 'x' },
          { path: 'app/node_modules/jest/build/index.js.map', content: '{}' },
          { path: 'root/.npm/_cacache/index-v5/aa/bb/cafe', content: 'cache entry' },
          { path: 'root/.npm/_logs/2024-01-01-debug-0.log', content: 'log' },
        ],
      },
      {
        createdBy: 'RUN npm run build # buildkit',
        files: [
          { path: 'app/dist/index.js', content: 'exports.x = 1;\n' },
          { path: 'app/dist/index.js.map', content: '{"version":3}' },
        ],
      },
    ]);
  });

  it('reports each installed devDependency with the installed package.json and the manifest as evidence', () => {
    expect(byName(facts, 'jest')).toEqual({
      ecosystem: 'npm',
      name: 'jest',
      version: '29.7.0',
      reason: 'devDependencies of /app/package.json; "dev": true in /app/node_modules/.package-lock.json',
      direct: true,
      evidence: [
        {
          kind: 'file',
          path: '/app/node_modules/jest/package.json',
          layer: 2,
          layerDigest: facts.layers[2].digest,
          createdBy: 'RUN npm ci # buildkit',
          state: 'present',
          detail: 'jest 29.7.0',
        },
        {
          kind: 'file',
          path: '/app/package.json',
          layer: 1,
          layerDigest: facts.layers[1].digest,
          createdBy: 'COPY . /app # buildkit',
          state: 'present',
          detail: 'devDependencies',
        },
      ],
    });
    expect(byName(facts, 'typescript')).toMatchObject({ version: '5.3.3', direct: true });
    expect(byName(facts, '@types/node')).toMatchObject({
      version: '20.11.0',
      direct: true,
      evidence: [
        { path: '/app/node_modules/@types/node/package.json', layer: 2 },
        { path: '/app/package.json' },
      ],
    });
    expect(byName(facts, 'express')).toBeUndefined();
  });

  it('reports top-level packages the hidden lockfile marks dev (not nested, not devOptional, not absent)', () => {
    expect(byName(facts, '@jest/core')).toEqual({
      ecosystem: 'npm',
      name: '@jest/core',
      version: '29.7.0',
      reason: '"dev": true in /app/node_modules/.package-lock.json',
      direct: false,
      evidence: [
        expect.objectContaining({
          path: '/app/node_modules/@jest/core/package.json',
          layer: 2,
          state: 'present',
        }),
        expect.objectContaining({
          path: '/app/node_modules/.package-lock.json',
          layer: 2,
          createdBy: 'RUN npm ci # buildkit',
          detail: '"dev": true',
        }),
      ],
    });
    expect(byName(facts, 'nested-dev')).toBeUndefined();
    expect(byName(facts, 'maybe')).toBeUndefined();
    expect(byName(facts, 'fsevents')).toBeUndefined(); // marked dev, but not installed
    expect(facts.devDependencies?.packages.map((p) => p.name).sort()).toEqual([
      '@jest/core',
      '@types/node',
      'jest',
      'typescript',
    ]);
  });

  it('lists every build leftover once, with files, bytes and layer evidence', () => {
    const leftovers = facts.devDependencies?.leftovers ?? [];
    expect(leftovers.map((l) => [l.kind, l.path, l.files])).toEqual([
      ['compose-file', '/app/docker-compose.yml', 1],
      ['dockerfile', '/app/Dockerfile', 1],
      ['editor-folder', '/app/.vscode', 1],
      ['git-directory', '/app/.git', 2],
      ['package-cache', '/root/.npm', 1],
      ['source-map', '/app/dist/index.js.map', 1],
      ['test-suite', '/app/test', 1],
      ['typescript-source', '/app/src/index.ts', 1],
    ]);
    expect(leftover(facts, 'git-directory')[0]).toEqual({
      kind: 'git-directory',
      path: '/app/.git',
      files: 2,
      bytes: 'ref: refs/heads/main\n'.length + '[core]\n'.length,
      evidence: [
        {
          kind: 'file',
          path: '/app/.git/HEAD',
          layer: 1,
          layerDigest: facts.layers[1].digest,
          createdBy: 'COPY . /app # buildkit',
          state: 'present',
          detail: '2 file(s), 28 bytes under /app/.git from this layer',
        },
      ],
    });
    expect(leftover(facts, 'package-cache')[0]).toMatchObject({
      bytes: 'cache entry'.length,
      evidence: [
        { path: '/root/.npm/_cacache/index-v5/aa/bb/cafe', layer: 2, createdBy: 'RUN npm ci # buildkit' },
      ],
    });
    expect(leftover(facts, 'source-map')[0].evidence).toEqual([
      expect.objectContaining({ path: '/app/dist/index.js.map', layer: 3, state: 'present' }),
    ]);
    expect(leftover(facts, 'typescript-source')[0].evidence).toEqual([
      expect.objectContaining({ path: '/app/src/index.ts', layer: 1, createdBy: 'COPY . /app # buildkit' }),
    ]);
    expect(leftover(facts, 'dockerfile')[0].evidence[0]).not.toHaveProperty('detail');
    expect(facts.devDependencies?.incomplete).toEqual([]);
  });

  it('turns the section into findings: one per direct dev dependency, one per lockfile for the rest, one per leftover', () => {
    const findings = devDependencies.findings(facts);
    expect(findings.map((f) => [f.check, f.severity, f.message])).toEqual([
      [
        'dev-dependency-present',
        'medium',
        '@types/node 20.11.0 (npm dev dependency: devDependencies of /app/package.json; "dev": true in /app/node_modules/.package-lock.json)',
      ],
      [
        'dev-dependency-present',
        'medium',
        'jest 29.7.0 (npm dev dependency: devDependencies of /app/package.json; "dev": true in /app/node_modules/.package-lock.json)',
      ],
      [
        'dev-dependency-present',
        'medium',
        'typescript 5.3.3 (npm dev dependency: devDependencies of /app/package.json; "dev": true in /app/node_modules/.package-lock.json)',
      ],
      [
        'dev-dependency-present',
        'medium',
        '1 npm package(s) installed only for development ("dev": true in /app/node_modules/.package-lock.json): @jest/core 29.7.0',
      ],
      ['compose-file-present', 'low', 'Compose file /app/docker-compose.yml (1 file(s), 13 bytes)'],
      ['dockerfile-present', 'low', 'Dockerfile /app/Dockerfile (1 file(s), 13 bytes)'],
      ['editor-folder-present', 'low', 'Editor files /app/.vscode (1 file(s), 2 bytes)'],
      ['git-directory-present', 'medium', 'Git repository /app/.git (2 file(s), 28 bytes)'],
      ['package-cache-present', 'low', 'Package cache /root/.npm (1 file(s), 11 bytes)'],
      ['source-map-present', 'low', 'Source maps /app/dist/index.js.map (1 file(s), 13 bytes)'],
      ['test-suite-present', 'low', 'Tests /app/test (1 file(s), 21 bytes)'],
      ['typescript-source-present', 'low', 'TypeScript sources /app/src/index.ts (1 file(s), 28 bytes)'],
    ]);
    for (const finding of findings) {
      expect(finding.category).toBe('Dev dependencies and build leftovers');
      expect(finding.evidence.length).toBeGreaterThan(0);
      for (const evidence of finding.evidence) expect(evidence.layer).toBeTypeOf('number');
    }
    expect(findings[3].evidence.map((e) => e.path)).toEqual([
      '/app/node_modules/.package-lock.json',
      '/app/node_modules/@jest/core/package.json',
    ]);
  });

  it('is registered and its checks are documented', () => {
    expect(EXTRACTORS).toContain(devDependencies);
    expect(devDependencies.checks.map((c) => c.id).sort()).toEqual([
      'compose-file-present',
      'dev-dependency-present',
      'dockerfile-present',
      'editor-folder-present',
      'git-directory-present',
      'package-cache-present',
      'source-map-present',
      'test-suite-present',
      'typescript-source-present',
    ]);
  });
});

describe('dev-dependencies extractor: multi-stage counterpart', () => {
  it('finds nothing when only the build output and production dependencies were copied', async () => {
    const facts = await scan([
      {
        createdBy: 'COPY --from=build /app/dist /app/dist # buildkit',
        files: [{ path: 'app/dist/index.js', content: 'exports.x = 1;\n' }],
      },
      {
        createdBy: 'COPY --from=deps /app /app # buildkit',
        files: [
          { path: 'app/package.json', content: APP_MANIFEST },
          pkg('express', '4.18.2'),
          {
            path: 'app/node_modules/.package-lock.json',
            content: json({ packages: { 'node_modules/express': { version: '4.18.2' } } }),
          },
        ],
      },
    ]);
    expect(facts.devDependencies).toEqual({ packages: [], leftovers: [], incomplete: [] });
    expect(devDependencies.findings(facts)).toEqual([]);
  });
});

describe('dev-dependencies extractor: removed in a later layer', () => {
  it('does not report dev dependencies that `npm prune --omit=dev` removed, nor a deleted .git', async () => {
    const facts = await scan([
      {
        createdBy: 'RUN npm ci',
        files: [
          { path: 'app/package.json', content: APP_MANIFEST },
          pkg('express', '4.18.2'),
          pkg('jest', '29.7.0'),
          pkg('@jest/core', '29.7.0'),
          { path: 'app/node_modules/.package-lock.json', content: HIDDEN_LOCK },
          { path: 'app/.git/HEAD', content: 'ref\n' },
        ],
      },
      {
        // The lockfile is left stale on purpose: presence in the final filesystem decides.
        createdBy: 'RUN npm prune --omit=dev && rm -rf .git',
        files: [
          { path: 'app/node_modules/jest', type: 'whiteout' },
          { path: 'app/node_modules/@jest', type: 'whiteout' },
          { path: 'app/.git', type: 'whiteout' },
        ],
      },
    ]);
    expect(facts.devDependencies).toEqual({ packages: [], leftovers: [], incomplete: [] });
  });

  it('uses the lockfile a later layer rewrote, not the earlier copy', async () => {
    const facts = await scan([
      {
        createdBy: 'RUN npm ci',
        files: [
          { path: 'app/package.json', content: json({ devDependencies: {} }) },
          pkg('shared', '1.0.0'),
          {
            path: 'app/node_modules/.package-lock.json',
            content: json({ packages: { 'node_modules/shared': { version: '1.0.0', dev: true } } }),
          },
        ],
      },
      {
        createdBy: 'RUN npm install --omit=dev other',
        files: [
          {
            path: 'app/node_modules/.package-lock.json',
            content: json({ packages: { 'node_modules/shared': { version: '1.0.0' } } }),
          },
        ],
      },
    ]);
    expect(facts.devDependencies?.packages).toEqual([]);
  });
});

describe('dev-dependencies extractor: npm guards', () => {
  it('skips devDependencies that production needs too, and reads versions from truncated package.json', async () => {
    const facts = await scan([
      {
        files: [
          {
            path: 'srv/api/package.json',
            content: json({
              dependencies: { react: '18' },
              devDependencies: { react: '18', prettier: '3', eslint: '9', '../../etc': '1' },
            }),
          },
          pkg('react', '18.2.0'),
          // prettier: needed by a production dependency per the lockfile.
          {
            path: 'srv/api/node_modules/.package-lock.json',
            content: json({
              packages: {
                'node_modules/prettier': { version: '3.0.0' },
                'node_modules/eslint': { version: '9.0.0', dev: true },
              },
            }),
          },
          { path: 'srv/api/node_modules/prettier/package.json', content: json({ version: '3.0.0' }) },
          {
            path: 'srv/api/node_modules/eslint/package.json',
            content: `{"name": "eslint", "version": "9.0.0", "description": "${'x'.repeat(20_000)}"}`,
          },
        ].map((f) => ({ ...f, path: f.path.replace(/^app\//, 'srv/api/') }) as FileSpec),
      },
    ]);
    expect(facts.devDependencies?.packages.map((p) => [p.name, p.version, p.direct])).toEqual([
      ['eslint', '9.0.0', true],
    ]);
  });

  it('reports a cut hidden lockfile as incomplete and still uses the entries read', async () => {
    const packages: Record<string, unknown> = { 'node_modules/a-dev': { version: '1.0.0', dev: true } };
    for (let i = 0; i < 200; i++)
      packages[`node_modules/filler-${i}`] = { version: '1.0.0', resolved: 'x'.repeat(50) };
    const facts = await scan(
      [
        {
          files: [
            { path: 'app/node_modules/.package-lock.json', content: json({ lockfileVersion: 3, packages }) },
            pkg('a-dev', '1.0.0'),
          ],
        },
      ],
      { limits: { maxContentBytesPerFile: 4096 } },
    );
    expect(facts.devDependencies?.packages).toEqual([
      expect.objectContaining({ name: 'a-dev', version: '1.0.0', direct: false, ecosystem: 'npm' }),
    ]);
    expect(facts.devDependencies?.incomplete).toEqual([
      {
        path: '/app/node_modules/.package-lock.json',
        reason: expect.stringMatching(/^read the first 4096 of \d+ bytes; \d+ top-level packages read$/),
      },
    ]);
  });
});

describe('dev-dependencies extractor: pnpm and yarn', () => {
  const manifest = json({
    dependencies: { express: '4' },
    devDependencies: { vitest: '1', '@types/node': '20' },
  });
  const pnpmLayer = (included: string): LayerSpec => ({
    createdBy: 'RUN pnpm install --frozen-lockfile',
    files: [
      { path: 'app/package.json', content: manifest },
      {
        path: 'app/node_modules/.modules.yaml',
        content: `hoistPattern:\n  - '*'\n${included}layoutVersion: 5\n`,
      },
      { path: 'app/node_modules/.pnpm/vitest@1.2.0/node_modules/vitest/package.json', content: '{}' },
      {
        path: 'app/node_modules/.pnpm/@types+node@20.11.0/node_modules/@types/node/package.json',
        content: '{}',
      },
      { path: 'app/node_modules/.pnpm/express@4.18.2/node_modules/express/package.json', content: '{}' },
      { path: 'app/node_modules/vitest', type: 'symlink', target: '.pnpm/vitest@1.2.0/node_modules/vitest' },
      {
        path: 'app/node_modules/@types/node',
        type: 'symlink',
        target: '../.pnpm/@types+node@20.11.0/node_modules/@types/node',
      },
      {
        path: 'app/node_modules/express',
        type: 'symlink',
        target: '.pnpm/express@4.18.2/node_modules/express',
      },
    ],
  });

  it('follows pnpm symlinks into the virtual store and reads versions from the store folder', async () => {
    const facts = await scan([
      pnpmLayer('included:\n  dependencies: true\n  devDependencies: true\n  optionalDependencies: true\n'),
    ]);
    expect(facts.devDependencies?.packages).toEqual([
      {
        ecosystem: 'pnpm',
        name: '@types/node',
        version: '20.11.0',
        reason:
          'devDependencies of /app/package.json; pnpm installed devDependencies (/app/node_modules/.modules.yaml)',
        direct: true,
        evidence: [
          expect.objectContaining({
            path: '/app/node_modules/.pnpm/@types+node@20.11.0/node_modules/@types/node/package.json',
            layer: 0,
            createdBy: 'RUN pnpm install --frozen-lockfile',
            state: 'present',
          }),
          expect.objectContaining({ path: '/app/package.json', layer: 0 }),
        ],
      },
      expect.objectContaining({ ecosystem: 'pnpm', name: 'vitest', version: '1.2.0', direct: true }),
    ]);
  });

  it('trusts `included.devDependencies: false` (pnpm install --prod)', async () => {
    const facts = await scan([pnpmLayer('included:\n  dependencies: true\n  devDependencies: false\n')]);
    expect(facts.devDependencies?.packages).toEqual([]);
  });

  it('reports yarn v1 installs with dev dependencies, not `--production` ones', async () => {
    const yarnImage = (flags: string[]): LayerSpec[] => [
      {
        files: [
          { path: 'app/package.json', content: manifest },
          pkg('vitest', '1.2.0'),
          pkg('express', '4.18.2'),
          {
            path: 'app/node_modules/.yarn-integrity',
            content: json({
              systemParams: 'linux-x64-115',
              modulesFolders: ['node_modules'],
              flags,
              topLevelPatterns: [],
            }),
          },
        ],
      },
    ];
    const dev = await scan(yarnImage([]));
    expect(dev.devDependencies?.packages).toEqual([
      {
        ecosystem: 'yarn',
        name: 'vitest',
        version: '1.2.0',
        reason:
          'devDependencies of /app/package.json; yarn installed without --production (/app/node_modules/.yarn-integrity)',
        direct: true,
        evidence: [
          expect.objectContaining({ path: '/app/node_modules/vitest/package.json', detail: 'vitest 1.2.0' }),
          expect.objectContaining({ path: '/app/package.json' }),
        ],
      },
    ]);
    const production = await scan(yarnImage(['production']));
    expect(production.devDependencies?.packages).toEqual([]);
  });
});

describe('dev-dependencies extractor: Python and Composer', () => {
  it('finds Python dev tools by their dist-info / egg-info, not other distributions nor uninstalled ones', async () => {
    const site = 'usr/local/lib/python3.12/site-packages';
    const facts = await scan([
      {
        createdBy: 'RUN pip install -r requirements-dev.txt',
        files: [
          { path: `${site}/pytest-8.0.0.dist-info/METADATA`, content: 'Name: pytest\n' },
          { path: `${site}/pytest-8.0.0.dist-info/RECORD`, content: '' },
          { path: `${site}/pre_commit-3.6.0.dist-info/METADATA`, content: 'Name: pre-commit\n' },
          { path: `${site}/requests-2.31.0.dist-info/METADATA`, content: 'Name: requests\n' },
          { path: `${site}/ipython-8.20.0.dist-info/METADATA`, content: 'Name: ipython\n' },
          { path: 'usr/lib/python3/dist-packages/black-23.1.0.egg-info/PKG-INFO', content: 'Name: black\n' },
        ],
      },
      {
        createdBy: 'RUN pip uninstall -y ipython',
        files: [{ path: `${site}/ipython-8.20.0.dist-info`, type: 'whiteout' }],
      },
    ]);
    expect(facts.devDependencies?.packages).toEqual([
      {
        ecosystem: 'python',
        name: 'black',
        version: '23.1.0',
        reason: 'Python development tool installed in /usr/lib/python3/dist-packages',
        evidence: [
          expect.objectContaining({
            path: '/usr/lib/python3/dist-packages/black-23.1.0.egg-info/PKG-INFO',
            layer: 0,
            state: 'present',
          }),
        ],
      },
      expect.objectContaining({ name: 'pre-commit', version: '3.6.0' }),
      {
        ecosystem: 'python',
        name: 'pytest',
        version: '8.0.0',
        reason: `Python development tool installed in /${site}`,
        evidence: [
          {
            kind: 'file',
            path: `/${site}/pytest-8.0.0.dist-info/METADATA`,
            layer: 0,
            layerDigest: facts.layers[0].digest,
            createdBy: 'RUN pip install -r requirements-dev.txt',
            state: 'present',
            detail: 'pytest 8.0.0',
          },
        ],
      },
    ]);
    expect(devDependencies.findings(facts).map((f) => f.message)).toEqual([
      'black 23.1.0 (python dev dependency: Python development tool installed in /usr/lib/python3/dist-packages)',
      'pre-commit 3.6.0 (python dev dependency: Python development tool installed in /usr/local/lib/python3.12/site-packages)',
      'pytest 8.0.0 (python dev dependency: Python development tool installed in /usr/local/lib/python3.12/site-packages)',
    ]);
  });

  it('finds Composer dev packages present in vendor/, direct when composer.json requires them', async () => {
    const facts = await scan([
      {
        createdBy: 'RUN composer install',
        files: [
          {
            path: 'var/www/html/composer.json',
            content: json({ 'require-dev': { 'phpunit/phpunit': '^10' } }),
          },
          {
            path: 'var/www/html/vendor/composer/installed.json',
            content: json({
              packages: [
                { name: 'monolog/monolog', version: '3.5.0' },
                { name: 'phpunit/phpunit', version: '10.5.0' },
                { name: 'sebastian/diff', version: '5.0.0' },
                { name: 'gone/away', version: '1.0.0' },
              ],
              dev: true,
              'dev-package-names': ['phpunit/phpunit', 'sebastian/diff', 'gone/away', '../../etc'],
            }),
          },
          { path: 'var/www/html/vendor/monolog/monolog/composer.json', content: '{}' },
          { path: 'var/www/html/vendor/phpunit/phpunit/composer.json', content: '{}' },
          { path: 'var/www/html/vendor/phpunit/phpunit/tests/unit/FooTest.php', content: '<?php' },
          { path: 'var/www/html/vendor/sebastian/diff/composer.json', content: '{}' },
        ],
      },
    ]);
    expect(facts.devDependencies?.packages).toEqual([
      {
        ecosystem: 'composer',
        name: 'phpunit/phpunit',
        version: '10.5.0',
        reason:
          'require-dev of /var/www/html/composer.json; dev-package-names of /var/www/html/vendor/composer/installed.json',
        direct: true,
        evidence: [
          expect.objectContaining({
            path: '/var/www/html/vendor/phpunit/phpunit/composer.json',
            layer: 0,
            createdBy: 'RUN composer install',
            state: 'present',
          }),
          expect.objectContaining({
            path: '/var/www/html/vendor/composer/installed.json',
            detail: 'dev-package-names',
          }),
        ],
      },
      expect.objectContaining({ name: 'sebastian/diff', version: '5.0.0', direct: false }),
    ]);
    expect(facts.devDependencies?.leftovers).toEqual([]);
    expect(devDependencies.findings(facts).map((f) => f.message)).toEqual([
      'phpunit/phpunit 10.5.0 (composer dev dependency: require-dev of /var/www/html/composer.json; dev-package-names of /var/www/html/vendor/composer/installed.json)',
      '1 composer package(s) installed only for development (dev-package-names of /var/www/html/vendor/composer/installed.json): sebastian/diff 5.0.0',
    ]);
  });
});

describe('dev-dependencies extractor: leftover false-alarm guards', () => {
  it('flags nothing in distribution paths, dependency trees, hidden tool folders or TypeScript-only projects', async () => {
    const facts = await scan([
      {
        files: [
          { path: 'usr/lib/python3/dist-packages/numpy/tests/test_core.py', content: 'x' },
          { path: 'usr/lib/node_modules/npm/test/x.js', content: 'x' },
          { path: 'usr/local/go/test/fixedbugs/issue1.go', content: 'x' },
          { path: 'usr/share/doc/pkg/examples/docker-compose.yml', content: 'x' },
          { path: 'usr/share/keymaps/i386/qwerty/us.map', content: 'x' },
          { path: 'usr/src/linux-headers-6.1/tools/testing/test/x.c', content: 'x' },
          { path: 'boot/System.map', content: 'x' },
          { path: 'var/lib/apt/lists/lock', content: '' },
          { path: 'var/cache/apt/archives/lock', content: '' },
          { path: 'var/cache/apt/archives/partial', type: 'dir' },
          { path: 'root/.npm/_logs/debug-0.log', content: 'x' },
          { path: 'root/.npm/_update-notifier-last-checked', content: '' },
          { path: 'root/.cache/node-gyp/20.11.0/include/node/test/x.h', content: 'x' },
          { path: 'app/node_modules/lib/test/a.js', content: 'x' },
          { path: 'app/node_modules/lib/index.js.map', content: 'x' },
          { path: 'app/node_modules/lib/.git/HEAD', content: 'x' },
          { path: 'app/node_modules/lib/src/index.ts', content: 'x' },
          { path: 'app/node_modules/lib/index.js', content: 'x' },
          { path: 'app/vendor/acme/lib/tests/ATest.php', content: 'x' },
          { path: 'app/.next/server/chunk.js.map', content: 'x' },
          { path: 'app/.venv/lib/python3.12/site-packages/pkg/tests/test_x.py', content: 'x' },
          { path: 'app/dist/types.d.ts', content: 'x' },
          { path: 'app/dist/index.js', content: 'x' },
          { path: 'app/empty-test-dir/test', type: 'dir' },
          // Deno: TypeScript run as is, no compiled JavaScript.
          { path: 'deno/main.ts', content: 'x' },
          { path: 'deno/deps.ts', content: 'x' },
          // A JavaScript project with an unrelated TypeScript file.
          { path: 'web/package.json', content: '{}' },
          { path: 'web/server.js', content: 'x' },
          { path: 'web/scripts/migrate.ts', content: 'x' },
        ],
      },
    ]);
    expect(facts.devDependencies?.leftovers).toEqual([]);
    expect(facts.devDependencies?.packages).toEqual([]);
  });

  it('groups loose files per project and keeps app folders under /usr/src and nginx html', async () => {
    const facts = await scan([
      {
        createdBy: 'COPY . .',
        files: [
          { path: 'usr/src/app/package.json', content: '{}' },
          { path: 'usr/src/app/lib/a.ts', content: 'aa' },
          { path: 'usr/src/app/lib/deep/b.ts', content: 'bbb' },
          { path: 'usr/src/app/lib/a.js', content: 'x' },
          { path: 'usr/src/app/lib/deep/b.js', content: 'x' },
          { path: 'usr/src/app/lib/a.spec.ts', content: 'x' },
          { path: 'usr/src/app/lib/deep/b.test.ts', content: 'x' },
        ],
      },
      {
        createdBy: 'COPY dist /usr/share/nginx/html',
        files: [
          { path: 'usr/share/nginx/html/assets/app.js', content: 'x' },
          { path: 'usr/share/nginx/html/assets/app.js.map', content: 'mmmm' },
          { path: 'usr/share/nginx/html/assets/app.css.map', content: 'mm' },
          { path: 'home/node/.cache/pip/http/a', content: 'p' },
          { path: 'var/lib/apt/lists/registry.example.com_dists_bookworm_InRelease', content: 'lists' },
          { path: 'var/cache/apt/archives/gcc_12.deb', content: 'deb' },
          { path: 'usr/local/share/.cache/yarn/v6/x', content: 'y' },
          { path: 'app/.idea/workspace.xml', content: '<x/>' },
          { path: 'app/.main.py.swp', content: 's' },
          { path: 'app/Dockerfile.prod', content: 'FROM x' },
          { path: 'app/compose.override.yaml', content: 'x' },
        ],
      },
    ]);
    expect(facts.devDependencies?.leftovers.map((l) => [l.kind, l.path, l.files, l.bytes])).toEqual([
      ['compose-file', '/app/compose.override.yaml', 1, 1],
      ['dockerfile', '/app/Dockerfile.prod', 1, 6],
      ['editor-folder', '/app/.idea', 1, 4],
      ['editor-folder', '/app/.main.py.swp', 1, 1],
      ['package-cache', '/home/node/.cache/pip', 1, 1],
      ['package-cache', '/usr/local/share/.cache/yarn', 1, 1],
      ['package-cache', '/var/cache/apt', 1, 3],
      ['package-cache', '/var/lib/apt/lists', 1, 5],
      ['source-map', '/usr/share/nginx/html/assets', 2, 6],
      ['test-suite', '/usr/src/app/lib', 2, 2],
      ['typescript-source', '/usr/src/app/lib', 2, 5],
    ]);
    expect(leftover(facts, 'source-map')[0].evidence).toEqual([
      expect.objectContaining({
        path: '/usr/share/nginx/html/assets/app.js.map',
        layer: 1,
        createdBy: 'COPY dist /usr/share/nginx/html',
        detail: '2 file(s), 6 bytes under /usr/share/nginx/html/assets from this layer',
      }),
    ]);
  });

  it('gives one evidence item per layer that wrote files of a tree', async () => {
    const facts = await scan([
      { createdBy: 'RUN git clone', files: [{ path: 'src/.git/HEAD', content: 'a' }] },
      {
        createdBy: 'RUN git fetch',
        files: [
          { path: 'src/.git/objects/ab/cd', content: 'bb' },
          { path: 'src/.git/objects/ef/01', content: 'cc' },
        ],
      },
    ]);
    expect(leftover(facts, 'git-directory')).toEqual([
      {
        kind: 'git-directory',
        path: '/src/.git',
        files: 3,
        bytes: 5,
        evidence: [
          expect.objectContaining({
            layer: 0,
            createdBy: 'RUN git clone',
            path: '/src/.git/HEAD',
            state: 'present',
          }),
          expect.objectContaining({
            layer: 1,
            createdBy: 'RUN git fetch',
            detail: '2 file(s), 4 bytes under /src/.git from this layer',
          }),
        ],
      },
    ]);
  });
});

describe('dev-dependencies extractor: project lockfile without a hidden lockfile', () => {
  // What `npm install` writes beside package.json: the hidden lockfile's entries plus the root.
  const hidden = JSON.parse(HIDDEN_LOCK) as { packages: Record<string, unknown> };
  const PROJECT_LOCK = json({ ...hidden, packages: { '': { name: 'app' }, ...hidden.packages } });
  const npmCi = (omitDev: boolean): LayerSpec[] => [
    {
      createdBy: 'COPY package.json package-lock.json ./',
      files: [
        { path: 'app/package.json', content: APP_MANIFEST },
        { path: 'app/package-lock.json', content: PROJECT_LOCK },
      ],
    },
    {
      createdBy: omitDev ? 'RUN npm ci --omit=dev' : 'RUN npm ci',
      files: [
        pkg('express', '4.18.2'),
        ...(omitDev ? [] : [pkg('jest', '29.7.0'), pkg('@jest/core', '29.7.0'), pkg('maybe', '1.0.0')]),
      ],
    },
  ];

  it('reads dev marks from package-lock.json for the packages present', async () => {
    const facts = await scan(npmCi(false));
    expect(facts.devDependencies?.packages).toEqual([
      {
        ecosystem: 'npm',
        name: 'jest',
        version: '29.7.0',
        reason: 'devDependencies of /app/package.json; "dev": true in /app/package-lock.json',
        direct: true,
        evidence: [
          expect.objectContaining({ path: '/app/node_modules/jest/package.json', layer: 1 }),
          expect.objectContaining({ path: '/app/package.json', layer: 0 }),
        ],
      },
      {
        ecosystem: 'npm',
        name: '@jest/core',
        version: '29.7.0',
        reason: '"dev": true in /app/package-lock.json',
        direct: false,
        evidence: [
          expect.objectContaining({ path: '/app/node_modules/@jest/core/package.json', layer: 1 }),
          expect.objectContaining({
            path: '/app/package-lock.json',
            layer: 0,
            createdBy: 'COPY package.json package-lock.json ./',
            detail: '"dev": true',
          }),
        ],
      },
    ]);
  });

  it('reports nothing after `npm ci --omit=dev`: the lockfile stays, the packages do not', async () => {
    const facts = await scan(npmCi(true));
    expect(facts.devDependencies?.packages).toEqual([]);
  });

  it('prefers npm-shrinkwrap.json, reads lockfile v1, and leaves the lockfile alone when another tool installed', async () => {
    const v1 = json({
      name: 'app',
      lockfileVersion: 1,
      dependencies: {
        jest: { version: '29.7.0', dev: true },
        '@jest/core': { version: '29.7.0', dev: true },
      },
    });
    const npm6 = await scan([
      {
        files: [
          { path: 'app/package.json', content: APP_MANIFEST },
          { path: 'app/npm-shrinkwrap.json', content: v1 },
          { path: 'app/package-lock.json', content: json({ lockfileVersion: 3, packages: {} }) },
          pkg('jest', '29.7.0'),
          pkg('@jest/core', '29.7.0'),
        ],
      },
    ]);
    expect(npm6.devDependencies?.packages.map((p) => [p.name, p.reason])).toEqual([
      ['jest', 'devDependencies of /app/package.json; "dev": true in /app/npm-shrinkwrap.json'],
      ['@jest/core', '"dev": true in /app/npm-shrinkwrap.json'],
    ]);

    const berry = await scan([
      {
        files: [
          { path: 'app/package.json', content: APP_MANIFEST },
          { path: 'app/package-lock.json', content: PROJECT_LOCK },
          { path: 'app/node_modules/.yarn-state.yml', content: '__metadata:\n  version: 1\n' },
          pkg('jest', '29.7.0'),
          pkg('@jest/core', '29.7.0'),
        ],
      },
    ]);
    expect(berry.devDependencies?.packages.map((p) => [p.name, p.reason])).toEqual([
      ['jest', 'devDependencies of /app/package.json'],
    ]);
  });

  it('uses the hidden lockfile where there is one, and lists a cut project lockfile as incomplete', async () => {
    const facts = await scan([
      {
        files: [
          { path: 'app/package.json', content: APP_MANIFEST },
          { path: 'app/package-lock.json', content: PROJECT_LOCK },
          pkg('jest', '29.7.0'),
          pkg('@jest/core', '29.7.0'),
          {
            path: 'app/node_modules/.package-lock.json',
            content: json({
              lockfileVersion: 3,
              packages: { 'node_modules/jest': { version: '29.7.0', dev: true } },
            }),
          },
          { path: 'srv/package.json', content: APP_MANIFEST },
          {
            path: 'srv/package-lock.json',
            content: PROJECT_LOCK.slice(0, PROJECT_LOCK.indexOf('"node_modules/typescript"')),
          },
          { path: 'srv/node_modules/jest/package.json', content: json({ name: 'jest', version: '29.7.0' }) },
        ],
      },
    ]);
    expect(facts.devDependencies?.packages.map((p) => [p.name, p.reason])).toEqual([
      ['jest', 'devDependencies of /app/package.json; "dev": true in /app/node_modules/.package-lock.json'],
      ['jest', 'devDependencies of /srv/package.json; "dev": true in /srv/package-lock.json'],
    ]);
    expect(facts.devDependencies?.incomplete).toEqual([
      { path: '/srv/package-lock.json', reason: 'not valid JSON; 2 top-level packages read' },
    ]);
  });
});

describe('dev-dependencies extractor: yum, dnf and pip caches', () => {
  it('flags dnf and pip caches with their bytes, not what `yum clean all` leaves', async () => {
    const facts = await scan([
      {
        createdBy: 'ADD rootfs.tar /',
        files: [
          { path: 'var/cache/yum/x86_64/7/timedhosts.txt', content: 'mirror 0.1\n' },
          { path: 'var/cache/dnf/last_makecache', content: '' },
        ],
      },
      {
        createdBy: 'RUN dnf install -y python3-pip && pip install -r requirements.txt',
        files: [
          { path: 'var/cache/dnf/fedora-0a1b2c/repodata/primary.xml.zst', content: 'repodata' },
          { path: 'var/cache/dnf/fedora-0a1b2c/packages/python3-pip-23.2.rpm', content: 'rpm bytes' },
          { path: 'var/cache/dnf/fedora.solv', content: 'solv' },
          { path: 'root/.cache/pip/http-v2/a/b/c/d/e/0123', content: 'wheel body' },
          { path: 'root/.cache/pip/selfcheck/abc.json', content: '{}' },
          { path: 'home/app/.cache/pip/wheels/ab/cd/x-1.0-py3-none-any.whl', content: 'w' },
        ],
      },
    ]);
    expect(leftover(facts, 'package-cache').map((l) => [l.path, l.files, l.bytes])).toEqual([
      ['/home/app/.cache/pip', 1, 1],
      ['/root/.cache/pip', 2, 'wheel body'.length + 2],
      ['/var/cache/dnf', 3, 'repodata'.length + 'rpm bytes'.length + 'solv'.length],
    ]);
    expect(leftover(facts, 'package-cache')[2].evidence).toEqual([
      expect.objectContaining({
        layer: 1,
        createdBy: 'RUN dnf install -y python3-pip && pip install -r requirements.txt',
        detail: '3 file(s), 21 bytes under /var/cache/dnf from this layer',
      }),
    ]);
  });
});
