import { describe, expect, it } from 'vitest';
import { packageRole, savings } from '../../../../src/facts/extractors/savings.js';
import type { ImageFacts, SavingsCategory, SavingsSection } from '../../../../src/facts/image-facts.js';
import { SAVINGS_CATEGORIES } from '../../../../src/facts/savings-summary.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage, type BuiltImage, type LayerSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import { buildMultiStageImage, buildSingleStageImage } from '../../../support/seed-images.js';
import { buildSampleImage } from '../../../support/sample-image.js';
import { rpmdbSqlite } from '../tools/rpmdb-fixture.js';
import { BASE_PACKAGES, BUILD_PACKAGES, dpkgStatus, elf, exe } from './tool-fixtures.js';

const filler = (n: number, fill = 'x'): string => fill.repeat(n);

async function scan(image: BuiltImage): Promise<ImageFacts> {
  const { facts } = await scanBuiltImage(image);
  expectValidFacts(facts);
  return facts;
}

async function savingsOf(layers: LayerSpec[]): Promise<SavingsSection> {
  const facts = await scan(await buildImage({ layers }));
  expectSums(facts);
  return facts.savings as SavingsSection;
}

/** The categories add up to every byte the layers wrote, and the derived figures agree. */
function expectSums(facts: ImageFacts): void {
  const s = facts.savings as SavingsSection;
  expect(s).toBeDefined();
  const written = facts.layers.reduce((sum, layer) => sum + layer.bytesAdded, 0);
  expect(s.totalBytes).toBe(written);
  const bytes = SAVINGS_CATEGORIES.reduce((sum, c) => sum + s.categories[c].bytes, 0);
  expect(bytes).toBe(s.totalBytes);
  expect(s.removableBytes).toBe(s.totalBytes - s.categories.rest.bytes);
  expect(s.runtimeEstimateBytes).toBe(s.categories.rest.bytes);
  expect(s.removableRatio).toBeCloseTo(s.totalBytes === 0 ? 0 : s.removableBytes / s.totalBytes, 4);
  for (const c of SAVINGS_CATEGORIES) {
    const top = s.top.filter((t) => t.category === c);
    expect(top.length).toBeLessThanOrEqual(10);
    expect(top.reduce((sum, t) => sum + t.bytes, 0)).toBeLessThanOrEqual(s.categories[c].bytes);
  }
}

function topOf(s: SavingsSection, category: SavingsCategory): Record<string, number> {
  return Object.fromEntries(s.top.filter((t) => t.category === category).map((t) => [t.label, t.bytes]));
}

describe('savings extractor: attribution rules', () => {
  it('dpkg: a toolchain package owns its files (info/*.list, usr-merged paths too); other packages stay rest', async () => {
    const s = await savingsOf([
      {
        files: [
          { path: 'var/lib/dpkg/status', content: dpkgStatus([...BASE_PACKAGES, ...BUILD_PACKAGES]) },
          // Pre-merge path in the list, file under usr/: still gcc-12's.
          {
            path: 'var/lib/dpkg/info/gcc-12.list',
            content: '/.\n/usr\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n/bin/gcc-12\n',
          },
          { path: 'usr/lib/gcc/x86_64-linux-gnu/12/cc1', content: filler(3000) },
          exe('usr/bin/gcc-12', elf('gcc').toString('latin1') + filler(500)),
          // A library package: its list is not a toolchain's, its files are the runtime's.
          { path: 'var/lib/dpkg/info/libc6:amd64.list', content: '/usr/lib/x86_64-linux-gnu/libc.so.6\n' },
          { path: 'usr/lib/x86_64-linux-gnu/libc.so.6', content: filler(2000) },
        ],
      },
    ]);
    expect(topOf(s, 'buildToolchain')).toEqual({ 'gcc-12 (dpkg package)': 3000 + 64 + 3 + 500 });
    expect(s.categories.buildToolchain.files).toBe(2);
    expect(topOf(s, 'rest')['/usr/lib']).toBe(2000);
  });

  it('apk: R: lines of gcc and apk-tools give toolchain and package-manager bytes', async () => {
    const installed = [
      'P:gcc\nV:13.2.1-r0\nA:x86_64\nF:usr/libexec/gcc/x86_64-alpine-linux-musl/13.2.1\nR:cc1\n',
      'P:apk-tools\nV:2.14.0-r5\nA:x86_64\nF:sbin\nR:apk\n',
      'P:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\n',
    ].join('\n');
    const s = await savingsOf([
      {
        files: [
          { path: 'lib/apk/db/installed', content: installed },
          { path: 'usr/libexec/gcc/x86_64-alpine-linux-musl/13.2.1/cc1', content: filler(4000) },
          { path: 'sbin/apk', content: filler(700) },
          { path: 'lib/ld-musl-x86_64.so.1', content: filler(600) },
        ],
      },
    ]);
    expect(topOf(s, 'buildToolchain')).toEqual({ 'gcc (apk package)': 4000 });
    expect(topOf(s, 'packageManagers')).toEqual({ 'apk-tools (apk package)': 700 });
    expect(topOf(s, 'rest')['/lib']).toBe(600);
    expect(topOf(s, 'rest')['/lib/apk']).toBe(installed.length);
  });

  it('rpm: file lists of rpmdb.sqlite give toolchain bytes', async () => {
    const db = await rpmdbSqlite([
      {
        name: 'cpp',
        version: '11.4.1',
        release: '2.el9',
        files: [{ path: '/usr/libexec/gcc/x86_64-redhat-linux/11/cc1', digest: 'a'.repeat(32) }],
      },
      {
        name: 'bash',
        version: '5.1',
        release: '1',
        files: [{ path: '/usr/bin/bash', digest: 'b'.repeat(32) }],
      },
    ]);
    const s = await savingsOf([
      {
        files: [
          { path: 'var/lib/rpm/rpmdb.sqlite', content: db },
          { path: 'usr/libexec/gcc/x86_64-redhat-linux/11/cc1', content: filler(5000) },
          exe('usr/bin/bash'),
        ],
      },
    ]);
    expect(topOf(s, 'buildToolchain')).toEqual({ 'cpp (rpm package)': 5000 });
  });

  it('a copied compiler brings its SDK folder (/usr/local/go); a copied binary in /usr/bin only itself', async () => {
    const s = await savingsOf([
      {
        files: [
          exe('usr/local/go/bin/go', elf('go').toString('latin1') + filler(900)),
          { path: 'usr/local/go/src/fmt/print.go', content: filler(1200) },
          { path: 'usr/local/go/pkg/tool/linux_amd64/compile', content: filler(800) },
          exe('usr/bin/make'),
          exe('usr/bin/app', elf('app').toString('latin1') + filler(100)),
        ],
      },
    ]);
    const top = topOf(s, 'buildToolchain');
    expect(top['/usr/local/go']).toBe(64 + 2 + 900 + 1200 + 800);
    expect(top['/usr/bin/make']).toBe(elf('usr/bin/make').length);
    expect(topOf(s, 'rest')['/usr/bin']).toBe(64 + 3 + 100);
  });

  it('dev dependencies: their package folders; production dependencies stay rest', async () => {
    const s = await savingsOf([
      {
        files: [
          {
            path: 'app/package.json',
            content: JSON.stringify({ dependencies: { express: '4' }, devDependencies: { jest: '29' } }),
          },
          { path: 'app/node_modules/express/package.json', content: '{"name":"express","version":"4.19.2"}' },
          { path: 'app/node_modules/express/index.js', content: filler(300) },
          { path: 'app/node_modules/jest/package.json', content: '{"name":"jest","version":"29.7.0"}' },
          { path: 'app/node_modules/jest/build/index.js', content: filler(1700) },
        ],
      },
    ]);
    expect(topOf(s, 'devDependencies')).toEqual({ 'jest (npm)': 1700 + 34 });
    expect(s.categories.devDependencies.files).toBe(2);
    expect(s.categories.rest.bytes).toBeGreaterThanOrEqual(300 + 37);
  });

  it('package managers: their binaries, and the node_modules package a linked npm lives in', async () => {
    const s = await savingsOf([
      {
        files: [
          exe('usr/bin/apt-get', elf('apt-get').toString('latin1') + filler(400)),
          {
            path: 'usr/local/lib/node_modules/npm/bin/npm-cli.js',
            content: '#!/usr/bin/env node\nrequire("../lib/cli.js")\n',
            mode: 0o755,
          },
          { path: 'usr/local/lib/node_modules/npm/lib/cli.js', content: filler(2500) },
          { path: 'usr/local/bin/npm', type: 'symlink', target: '../lib/node_modules/npm/bin/npm-cli.js' },
          exe('usr/local/bin/node', elf('node').toString('latin1') + filler(3000)),
        ],
      },
    ]);
    const top = topOf(s, 'packageManagers');
    expect(top['/usr/bin/apt-get']).toBe(64 + 7 + 400);
    expect(top['/usr/local/lib/node_modules/npm']).toBe(2500 + 45);
    // The runtime (node) is not the package manager's.
    expect(topOf(s, 'rest')['/usr/local']).toBe(64 + 4 + 3000);
  });

  it('caches and leftovers: the leftovers section paths, with their bytes', async () => {
    const s = await savingsOf([
      {
        files: [
          { path: 'var/lib/apt/lists/registry.example.com_dists_bookworm_InRelease', content: filler(900) },
          { path: 'app/.git/HEAD', content: 'ref: refs/heads/main\n' },
          { path: 'app/.git/objects/ab/cdef', content: filler(600) },
          { path: 'app/Dockerfile', content: 'FROM scratch\n' },
          { path: 'app/server.js', content: filler(50) },
        ],
      },
    ]);
    expect(topOf(s, 'cachesAndLeftovers')).toEqual({
      '/var/lib/apt/lists (package-cache)': 900,
      '/app/.git (git-directory)': 21 + 600,
      '/app/Dockerfile (dockerfile)': 13,
    });
    expect(s.categories.rest.bytes).toBe(50);
  });

  it('wasted: copies a later layer deletes or overwrites; the surviving copy is rest', async () => {
    const s = await savingsOf([
      {
        files: [
          { path: 'data/blob', content: filler(1000) },
          { path: 'data/old', content: filler(300) },
        ],
      },
      {
        files: [
          { path: 'data/blob', content: filler(200) },
          { path: 'data/old', type: 'whiteout' },
        ],
      },
    ]);
    expect(s.categories.wasted).toEqual({ bytes: 1300, files: 2 });
    expect(s.categories.rest).toEqual({ bytes: 200, files: 1 });
    expect(topOf(s, 'wasted')).toEqual({ '/data/blob': 1000, '/data/old': 300 });
  });

  it('precedence: a toolchain file a later layer deletes still counts as toolchain, once', async () => {
    const s = await savingsOf([
      {
        files: [
          { path: 'var/lib/dpkg/status', content: dpkgStatus([...BASE_PACKAGES, ...BUILD_PACKAGES]) },
          { path: 'var/lib/dpkg/info/make.list', content: '/usr/bin/make\n' },
          exe('usr/bin/make', elf('make').toString('latin1') + filler(1000)),
        ],
      },
      {
        createdBy: 'RUN apt-get purge -y make',
        files: [
          { path: 'usr/bin/make', type: 'whiteout' },
          { path: 'var/lib/dpkg/info/make.list', type: 'whiteout' },
          { path: 'var/lib/dpkg/status', content: dpkgStatus(BASE_PACKAGES) },
        ],
      },
    ]);
    expect(topOf(s, 'buildToolchain')).toEqual({ 'make (dpkg package)': 64 + 4 + 1000 });
    // Only the replaced dpkg status and the deleted list are wasted.
    expect(s.categories.wasted.files).toBe(2);
  });

  it('an empty image has nothing and a ratio of 0', async () => {
    const s = await savingsOf([{ files: [{ path: 'etc', type: 'dir' }] }]);
    expect(s.totalBytes).toBe(0);
    expect(s.removableRatio).toBe(0);
    expect(s.top).toEqual([]);
  });

  it('names packages by role from their name alone', () => {
    expect(packageRole('dpkg', 'gcc-12-x86-64-linux-gnu')).toBe('toolchain');
    expect(packageRole('dpkg', 'libssl-dev')).toBe('toolchain');
    expect(packageRole('dpkg', 'libapt-pkg6.0')).toBe('packageManager');
    expect(packageRole('dpkg', 'libstdc++6')).toBeUndefined();
    expect(packageRole('dpkg', 'libgcc-s1')).toBeUndefined();
  });
});

describe('savings of the seed-like images', () => {
  it('the single-stage image: compilers and dev dependencies removable, with their bytes', async () => {
    const facts = await scan(await buildSingleStageImage());
    expectSums(facts);
    const s = facts.savings as SavingsSection;
    expect(topOf(s, 'buildToolchain')).toEqual({
      '/usr/bin/gcc-12': 2048,
      '/usr/bin/make': 2048,
      '/app/node_modules/typescript': 39 + 45,
    });
    expect(topOf(s, 'devDependencies')).toEqual({ 'jest (npm)': 34 });
    expect(s.categories.packageManagers.bytes).toBe(3 * 2048);
    expect(s.removableRatio).toBeGreaterThan(0.5);
    const finding = savings.findings(facts);
    expect(finding.map((f) => f.check)).toEqual(['multi-stage-savings']);
    expect(finding[0].message).toMatch(/a runtime stage without these would be about 5\.6 kB \(−66\.0 %\)/);
    expect(finding[0].evidence.map((e) => e.path)).toContain('/usr/bin/gcc-12');
  });

  it('the multi-stage image: nothing removable, no finding', async () => {
    const facts = await scan(await buildMultiStageImage());
    expectSums(facts);
    const s = facts.savings as SavingsSection;
    expect(s.removableBytes).toBe(0);
    expect(s.runtimeEstimateBytes).toBe(s.totalBytes);
    expect(savings.findings(facts)).toEqual([]);
  });

  it('wasted bytes alone do not make the finding (the wasted-bytes check covers them)', async () => {
    const facts = await scan(
      await buildImage({
        layers: [
          { files: [{ path: 'data/blob', content: filler(1000) }] },
          {
            files: [
              { path: 'data/blob', type: 'whiteout' },
              { path: 'srv', content: filler(10) },
            ],
          },
        ],
      }),
    );
    expect(facts.savings?.removableRatio).toBeGreaterThan(0.9);
    expect(savings.findings(facts)).toEqual([]);
  });

  it('categories always add up to totalBytes (every test image)', async () => {
    const sample = await buildSampleImage();
    for (const image of [await buildSingleStageImage(), await buildMultiStageImage(), sample]) {
      expectSums(await scan(image));
    }
  });
});
