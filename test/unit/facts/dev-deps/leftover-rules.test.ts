import { describe, expect, it } from 'vitest';
import {
  classifyLeftover,
  isSystemPath,
  matchPackageCache,
  sourceStem,
} from '../../../../src/facts/dev-deps/leftover-rules.js';

describe('classifyLeftover', () => {
  it.each([
    ['app/test/unit/a.js', { kind: 'test-suite', root: 'app/test', tree: true }],
    ['app/src/__tests__/a.js', { kind: 'test-suite', root: 'app/src/__tests__', tree: true }],
    ['srv/spec/models/user_spec.rb', { kind: 'test-suite', root: 'srv/spec', tree: true }],
    ['app/tests/.git/HEAD', { kind: 'test-suite', root: 'app/tests', tree: true }],
    ['app/.git/objects/ab/cd', { kind: 'git-directory', root: 'app/.git', tree: true }],
    ['app/sub/.git', { kind: 'git-directory', root: 'app/sub/.git', tree: true }],
    ['app/.vscode/launch.json', { kind: 'editor-folder', root: 'app/.vscode', tree: true }],
    ['app/.idea/misc.xml', { kind: 'editor-folder', root: 'app/.idea', tree: true }],
    ['app/.index.js.swp', { kind: 'editor-folder', root: 'app/.index.js.swp', tree: true }],
    ['app/Dockerfile', { kind: 'dockerfile', root: 'app/Dockerfile', tree: true }],
    ['app/build.dockerfile', { kind: 'dockerfile', root: 'app/build.dockerfile', tree: true }],
    ['app/Containerfile', { kind: 'dockerfile', root: 'app/Containerfile', tree: true }],
    [
      'app/.devcontainer/Dockerfile',
      { kind: 'dockerfile', root: 'app/.devcontainer/Dockerfile', tree: true },
    ],
    [
      'app/docker-compose.prod.yaml',
      { kind: 'compose-file', root: 'app/docker-compose.prod.yaml', tree: true },
    ],
    ['app/compose.yml', { kind: 'compose-file', root: 'app/compose.yml', tree: true }],
    ['app/src/a.test.ts', { kind: 'test-suite', tree: false }],
    ['app/src/a.spec.js', { kind: 'test-suite', tree: false }],
    ['go/src/app/main_test.go', { kind: 'test-suite', tree: false }],
    ['app/dist/a.js.map', { kind: 'source-map', tree: false }],
    ['app/dist/a.css.map', { kind: 'source-map', tree: false }],
    ['app/dist/a.d.ts.map', { kind: 'source-map', tree: false }],
    ['app/src/a.ts', { kind: 'typescript-source', tree: false }],
    ['app/src/a.tsx', { kind: 'typescript-source', tree: false }],
    ['root/.npm/_cacache/content-v2/x', { kind: 'package-cache', root: 'root/.npm', tree: true }],
    ['home/node/.npm/_cacache/x', { kind: 'package-cache', root: 'home/node/.npm', tree: true }],
    ['root/.cache/pip/wheels/x.whl', { kind: 'package-cache', root: 'root/.cache/pip', tree: true }],
    ['var/cache/apk/APKINDEX.tar.gz', { kind: 'package-cache', root: 'var/cache/apk', tree: true }],
    ['var/lib/apt/lists/partial/x', { kind: 'package-cache', root: 'var/lib/apt/lists', tree: true }],
    ['var/cache/apt/pkgcache.bin', { kind: 'package-cache', root: 'var/cache/apt', tree: true }],
    ['root/.composer/cache/files/x.zip', { kind: 'package-cache', root: 'root/.composer/cache', tree: true }],
    ['go/pkg/mod/github.com/x@v1/x_test.go', { kind: 'package-cache', root: 'go/pkg/mod', tree: true }],
    ['app/.pnpm-store/v3/files/x', { kind: 'package-cache', root: 'app/.pnpm-store', tree: true }],
    ['home/app/.cache/pip/http-v2/a/b/c', { kind: 'package-cache', root: 'home/app/.cache/pip', tree: true }],
    ['root/.cache/uv/wheels-v1/x.whl', { kind: 'package-cache', root: 'root/.cache/uv', tree: true }],
    [
      'var/cache/yum/x86_64/7/base/packages/gcc-4.8.5.rpm',
      { kind: 'package-cache', root: 'var/cache/yum', tree: true },
    ],
    [
      'var/cache/dnf/fedora-abc/repodata/primary.xml.zst',
      { kind: 'package-cache', root: 'var/cache/dnf', tree: true },
    ],
    ['var/cache/dnf/fedora.solv', { kind: 'package-cache', root: 'var/cache/dnf', tree: true }],
    [
      'var/cache/libdnf5/fedora-abc/packages/x.rpm',
      { kind: 'package-cache', root: 'var/cache/libdnf5', tree: true },
    ],
    ['var/cache/tdnf/photon/rpms/x.rpm', { kind: 'package-cache', root: 'var/cache/tdnf', tree: true }],
    [
      'app/.yarn/cache/jest-npm-29.7.0-a-b.zip',
      { kind: 'package-cache', root: 'app/.yarn/cache', tree: true },
    ],
    ['.yarn/cache/jest-npm-29.7.0-a-b.zip', { kind: 'package-cache', root: '.yarn/cache', tree: true }],
    ['app/.yarn/install-state.gz', { kind: 'package-cache', root: 'app/.yarn/install-state.gz', tree: true }],
    ['app/.yarn/build-state.yml', { kind: 'package-cache', root: 'app/.yarn/build-state.yml', tree: true }],
    [
      'home/node/.yarn/berry/cache/jest-npm-29.7.0-a-10c0.zip',
      { kind: 'package-cache', root: 'home/node/.yarn/berry/cache', tree: true },
    ],
  ])('%s', (path, expected) => {
    expect(classifyLeftover(path)).toEqual(expected);
  });

  it.each([
    'usr/lib/python3/dist-packages/numpy/tests/test_a.py',
    'usr/lib/node_modules/npm/test/a.js',
    'usr/local/lib/python3.12/site-packages/pkg/tests/a.py',
    'usr/local/go/test/a.go',
    'usr/share/doc/x/Dockerfile',
    'usr/src/linux-headers-6.1/test/x',
    'lib/modules/6.1/System.map',
    'boot/System.map-6.1',
    'etc/compose.yml',
    'var/lib/dpkg/info/x.list',
    'var/lib/apt/lists/lock',
    'var/cache/apt/archives/lock',
    'root/.npm/_logs/x.log',
    'root/.npm/_update-notifier-last-checked',
    'app/node_modules/x/test/a.js',
    'app/node_modules/x/.git/HEAD',
    'app/node_modules/x/Dockerfile',
    'app/vendor/a/b/tests/x.php',
    'app/bower_components/x/test/a.js',
    'app/.next/server/a.js.map',
    'root/.cache/node-gyp/20/include/node/test.h',
    'app/dist/a.d.ts',
    'app/dist/a.js',
    'app/data/world.map',
    'app/testing/a.js',
    'app/latest/a.js',
    'app/contest.json',
    // What `yum/dnf clean all` leaves: no packages, no metadata.
    'var/cache/yum/x86_64/7/timedhosts.txt',
    'var/cache/yum/x86_64/7/timedhosts',
    'var/cache/dnf/last_makecache',
    'var/cache/dnf/metadata_lock.pid.lock',
    // Yarn PnP's dependency tree and Yarn itself; non-archives in a Yarn cache.
    'app/.pnp.cjs',
    'app/.pnp.loader.mjs',
    'app/.yarn/unplugged/esbuild-npm-0.19.0-abc/node_modules/esbuild/bin/esbuild',
    'app/.yarn/__virtual__/x-virtual-abc/0/cache/x.zip',
    'app/.yarn/releases/yarn-4.1.0.cjs',
    'app/.yarn/cache/.gitignore',
    'root/.yarn/berry/cache/.gitignore',
    'app/node_modules/x/.yarn/install-state.gz',
    'usr/lib/node_modules/corepack/.yarn/install-state.gz',
  ])('%s is no leftover', (path) => {
    expect(classifyLeftover(path)).toBeUndefined();
  });

  it('never trips over prototype-named paths', () => {
    expect(classifyLeftover('constructor/x')).toBeUndefined();
    expect(matchPackageCache('__proto__/x')).toBeUndefined();
  });
});

describe('isSystemPath', () => {
  it('treats /usr as the distribution except app folders', () => {
    expect(isSystemPath('usr/lib/x')).toBe(true);
    expect(isSystemPath('usr/src/app/x')).toBe(false);
    expect(isSystemPath('usr/src/linux-headers-6.1/x')).toBe(true);
    expect(isSystemPath('usr/share/nginx/html/a.js')).toBe(false);
    expect(isSystemPath('var/www/html/x')).toBe(false);
    expect(isSystemPath('var/lib/x')).toBe(true);
    expect(isSystemPath('opt/conda/x')).toBe(true);
    expect(isSystemPath('opt/app/x')).toBe(false);
    expect(isSystemPath('app/x')).toBe(false);
  });
});

describe('sourceStem', () => {
  it('strips source and compiled extensions alike', () => {
    expect(sourceStem('index.ts')).toBe('index');
    expect(sourceStem('index.js')).toBe('index');
    expect(sourceStem('a.mts')).toBe('a');
    expect(sourceStem('App.tsx')).toBe('App');
  });
});
