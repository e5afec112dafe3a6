import { describe, expect, it } from 'vitest';
import type { FactExtractor } from '../../../../src/facts/extractor.js';
import {
  ignoredReason,
  nativeCode,
  owningPackage,
  platformArchitecture,
} from '../../../../src/facts/extractors/native-code.js';
import type { ImageFacts } from '../../../../src/facts/image-facts.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { elfHeader } from '../../../support/elf-fixture.js';
import { buildImage, type ImageSpec, type LayerSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';

const X86_64 = { bits: 64, endian: 'le', machine: 62 } as const;
const AARCH64 = { bits: 64, endian: 'le', machine: 183 } as const;
const I386 = { bits: 32, endian: 'le', machine: 3 } as const;
const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;

const x86so = (): Buffer => elfHeader({ ...X86_64, type: ET_DYN, body: 256 });
const armso = (): Buffer => elfHeader({ ...AARCH64, type: ET_DYN, body: 256 });

async function scan(layers: LayerSpec[], spec: Partial<ImageSpec> = {}): Promise<ImageFacts> {
  const { facts } = await scanBuiltImage(
    await buildImage({ platform: { os: 'linux', architecture: 'arm64' }, ...spec, layers }),
    { extractors: [nativeCode as FactExtractor] },
  );
  expectValidFacts(facts);
  return facts;
}

describe('native-code extractor', () => {
  it('reports an x86-64 addon in an arm64 image with its package, layer and both architectures', async () => {
    const facts = await scan([
      {
        createdBy: 'COPY node_modules /app/node_modules # buildkit',
        files: [
          { path: 'app/node_modules/somepkg/build/Release/addon.node', content: x86so() },
          { path: 'app/node_modules/@scope/native/lib/binding.node', content: x86so() },
          { path: 'app/node_modules/ok/build/Release/ok.node', content: armso() },
        ],
      },
    ]);
    const n = facts.nativeCode!;
    expect(n.imageArchitecture).toBe('arm64');
    expect(n.judged).toBe(true);
    expect(n.elfFiles).toBe(3);
    expect(n.byArchitecture).toEqual({ amd64: 2, arm64: 1 });
    expect(n.mismatches.map((m) => [m.path, m.package, m.ecosystem])).toEqual([
      ['/app/node_modules/@scope/native/lib/binding.node', '@scope/native', 'npm'],
      ['/app/node_modules/somepkg/build/Release/addon.node', 'somepkg', 'npm'],
    ]);
    expect(n.mismatches[1]).toEqual({
      path: '/app/node_modules/somepkg/build/Release/addon.node',
      architecture: 'amd64',
      imageArchitecture: 'arm64',
      machine: 'x86-64',
      bits: 64,
      package: 'somepkg',
      ecosystem: 'npm',
      evidence: {
        kind: 'file',
        path: '/app/node_modules/somepkg/build/Release/addon.node',
        layer: 0,
        layerDigest: facts.layers[0].digest,
        createdBy: 'COPY node_modules /app/node_modules # buildkit',
        state: 'present',
        detail: 'ELF 64-bit LSB shared object, x86-64',
      },
    });
    const findings = nativeCode.findings(facts);
    expect(findings.map((f) => [f.check, f.severity, f.category])).toEqual([
      ['native-arch-mismatch', 'medium', 'Native code'],
      ['native-arch-mismatch', 'medium', 'Native code'],
    ]);
    expect(findings[1].message).toBe(
      '/app/node_modules/somepkg/build/Release/addon.node (npm package somepkg) is built for amd64 (x86-64, 64-bit) but the image is arm64',
    );
    expect(findings[1].evidence).toEqual([n.mismatches[1].evidence]);
  });

  it('reads executables by their exec bit, Python extensions and versioned libraries by name', async () => {
    const facts = await scan([
      {
        files: [
          {
            path: 'usr/local/bin/server',
            content: elfHeader({ ...X86_64, type: ET_EXEC, body: 64 }),
            mode: 0o755,
          },
          {
            path: 'usr/local/bin/not-exec',
            content: elfHeader({ ...X86_64, type: ET_EXEC, body: 64 }),
            mode: 0o644,
          },
          {
            path: 'usr/lib/python3.12/site-packages/numpy/core/_multiarray.cpython-312-x86_64-linux-gnu.so',
            content: x86so(),
          },
          { path: 'usr/lib/python3.12/site-packages/_cffi_backend.abi3.so', content: x86so() },
          { path: 'usr/local/lib/libfoo.so.1.2', content: x86so() },
          {
            path: 'usr/local/bin/run.sh',
            content: '#!/bin/sh\nexec /usr/local/bin/server "$@"\n',
            mode: 0o755,
          },
        ],
      },
    ]);
    expect(facts.nativeCode?.mismatches.map((m) => [m.path, m.package ?? null])).toEqual([
      ['/usr/lib/python3.12/site-packages/_cffi_backend.abi3.so', '_cffi_backend'],
      ['/usr/lib/python3.12/site-packages/numpy/core/_multiarray.cpython-312-x86_64-linux-gnu.so', 'numpy'],
      ['/usr/local/bin/server', null],
      ['/usr/local/lib/libfoo.so.1.2', null],
    ]);
  });

  it('reports only the copy the final filesystem shows; a hard link is its target', async () => {
    const facts = await scan([
      {
        createdBy: 'COPY . /app # buildkit',
        files: [
          { path: 'app/gone.node', content: x86so() },
          { path: 'app/replaced.node', content: x86so() },
          { path: 'app/kept.node', content: x86so() },
          { path: 'app/kept-link.node', type: 'hardlink', target: 'app/kept.node' },
        ],
      },
      {
        createdBy: 'RUN /bin/sh -c rm app/gone.node && npm rebuild # buildkit',
        files: [
          { path: 'app/gone.node', type: 'whiteout' },
          { path: 'app/replaced.node', content: armso() },
        ],
      },
    ]);
    expect(facts.nativeCode?.mismatches.map((m) => m.path)).toEqual([
      '/app/kept-link.node',
      '/app/kept.node',
    ]);
    expect(facts.nativeCode?.byArchitecture).toEqual({ amd64: 2, arm64: 1 });
  });

  it('does not count copies kept for other platforms, test files, relocatable objects or 32-bit companions', async () => {
    const facts = await scan(
      [
        {
          files: [
            { path: 'app/node_modules/bcrypt/prebuilds/linux-x64/node.napi.node', content: x86so() },
            { path: 'app/node_modules/bcrypt/prebuilds/linux-arm64/node.napi.node', content: armso() },
            {
              path: 'app/node_modules/@esbuild/linux-x64/bin/esbuild',
              content: elfHeader({ ...X86_64, type: ET_EXEC }),
              mode: 0o755,
            },
            { path: 'app/node_modules/@img/sharp-linux-x64/lib/sharp.node', content: x86so() },
            { path: 'app/node_modules/@next/swc-linux-x64-gnu/next-swc.node', content: x86so() },
            { path: 'usr/x86_64-linux-gnu/lib/libc.so.6', content: x86so() },
            { path: 'usr/src/app/test/fixtures/x86.so', content: x86so() },
            { path: 'app/node_modules/elfy/__tests__/sample.node', content: x86so() },
            { path: 'usr/lib/go/src/debug/elf/testdata/go-relocation-test.so', content: x86so() },
            { path: 'usr/lib/x/foo.so', content: elfHeader({ ...X86_64, type: ET_REL }) },
            { path: 'usr/lib/i386-multilib/libbar.so', content: elfHeader({ ...I386, type: ET_DYN }) },
            {
              path: 'usr/lib/odd.so',
              content: elfHeader({ bits: 64, endian: 'le', machine: 0x1234, type: ET_DYN }),
            },
          ],
        },
      ],
      { platform: { os: 'linux', architecture: 'amd64' } },
    );
    // In an amd64 image the arm64 prebuild is the other platform's copy; the rest are native.
    expect(facts.nativeCode?.mismatches).toEqual([]);
    const arm = await scan([
      {
        files: [
          { path: 'app/node_modules/bcrypt/prebuilds/linux-x64/node.napi.node', content: x86so() },
          { path: 'app/node_modules/bcrypt/prebuilds/linux-arm64/node.napi.node', content: armso() },
          {
            path: 'app/node_modules/@esbuild/linux-x64/bin/esbuild',
            content: elfHeader({ ...X86_64, type: ET_EXEC }),
            mode: 0o755,
          },
          { path: 'app/node_modules/@img/sharp-linux-x64/lib/sharp.node', content: x86so() },
          { path: 'usr/lib/x86_64-linux-gnu/libc.so.6', content: x86so() },
          { path: 'usr/src/app/test/fixtures/x86.so', content: x86so() },
          { path: 'app/node_modules/elfy/__tests__/sample.node', content: x86so() },
          { path: 'usr/lib/x/foo.so', content: elfHeader({ ...X86_64, type: ET_REL }) },
          {
            path: 'usr/lib/arm-multilib/libbar.so',
            content: elfHeader({ bits: 32, endian: 'le', machine: 40, type: ET_DYN }),
          },
          {
            path: 'usr/lib/odd.so',
            content: elfHeader({ bits: 64, endian: 'le', machine: 0x1234, type: ET_DYN }),
          },
        ],
      },
    ]);
    expect(arm.nativeCode?.mismatches).toEqual([]);
    expect(arm.nativeCode?.ignored).toEqual({
      notLoadable: 1,
      platformDirectory: 2,
      platformPackage: 2,
      testPath: 2,
      compat32: 1,
      unknownMachine: 1,
    });
    expect(arm.nativeCode?.byArchitecture).toEqual({ amd64: 6, arm64: 1, arm: 1, unknown: 1 });
  });

  it('reports a file in the directory or package of the image’s own platform that is built for another', async () => {
    const facts = await scan([
      {
        files: [
          { path: 'app/node_modules/bcrypt/prebuilds/linux-arm64/node.napi.node', content: x86so() },
          {
            path: 'app/node_modules/@esbuild/linux-arm64/bin/esbuild',
            content: elfHeader({ ...X86_64, type: ET_EXEC }),
            mode: 0o755,
          },
          {
            path: 'app/node_modules/legacy/build/Release/legacy32.node',
            content: elfHeader({ bits: 32, endian: 'le', machine: 40, type: ET_DYN }),
          },
        ],
      },
    ]);
    expect(facts.nativeCode?.mismatches.map((m) => [m.path, m.architecture, m.package])).toEqual([
      ['/app/node_modules/@esbuild/linux-arm64/bin/esbuild', 'amd64', '@esbuild/linux-arm64'],
      ['/app/node_modules/bcrypt/prebuilds/linux-arm64/node.napi.node', 'amd64', 'bcrypt'],
      // A 64-bit node cannot load a 32-bit addon, even where the kernel runs 32-bit programs.
      ['/app/node_modules/legacy/build/Release/legacy32.node', 'arm', 'legacy'],
    ]);
  });

  it('judges nothing when the config names no architecture, and says so', async () => {
    const layers: LayerSpec[] = [{ files: [{ path: 'app/addon.node', content: x86so() }] }];
    const none = await scan(layers, {
      rawConfig: (config) => {
        delete config.architecture;
        return config;
      },
    });
    expect(none.nativeCode).toMatchObject({
      imageArchitecture: null,
      judged: false,
      reason: 'the image config names no architecture: no file is judged a mismatch',
      elfFiles: 1,
      byArchitecture: { amd64: 1 },
      mismatches: [],
    });
    const odd = await scan(layers, { platform: { os: 'linux', architecture: 'pdp11' } });
    expect(odd.nativeCode?.judged).toBe(false);
    expect(odd.nativeCode?.reason).toMatch(/"pdp11" is not one pushgate knows/);
    expect(nativeCode.findings(odd)).toEqual([]);
  });

  it('accepts the architecture spelled the uname way', async () => {
    const facts = await scan([{ files: [{ path: 'app/addon.node', content: x86so() }] }], {
      platform: { os: 'linux', architecture: 'x86_64' },
    });
    expect(facts.nativeCode).toMatchObject({ imageArchitecture: 'amd64', judged: true, mismatches: [] });
  });
});

describe('native-code path rules', () => {
  it('names the package that brought a file', () => {
    expect(owningPackage('app/node_modules/a/node_modules/b/build/b.node')).toMatchObject({
      ecosystem: 'npm',
      name: 'b',
    });
    expect(owningPackage('app/node_modules/@s/p/x.node')).toMatchObject({ name: '@s/p' });
    expect(owningPackage('app/node_modules/x.node')).toBeUndefined();
    expect(owningPackage('usr/lib/python3/dist-packages/numpy.libs/libopenblas.so')).toMatchObject({
      ecosystem: 'python',
      name: 'numpy',
    });
    expect(owningPackage('usr/local/bin/server')).toBeUndefined();
  });

  it('reads the architecture a platform-named segment names', () => {
    expect(platformArchitecture('linux-x64')).toBe('amd64');
    expect(platformArchitecture('sharp-linuxmusl-arm64')).toBe('arm64');
    expect(platformArchitecture('aarch64-linux-gnu')).toBe('arm64');
    expect(platformArchitecture('x86_64-linux-gnu')).toBe('amd64');
    expect(platformArchitecture('arm-linux-gnueabihf')).toBe('arm');
    expect(platformArchitecture('linux_arm64')).toBe('arm64');
    expect(platformArchitecture('esbuild-linux-64')).toBe('amd64');
    expect(platformArchitecture('linux')).toBeUndefined();
    expect(platformArchitecture('x64')).toBeUndefined();
    expect(platformArchitecture('somepkg')).toBeUndefined();
  });

  it('keeps a mismatch a mismatch outside those rules', () => {
    expect(
      ignoredReason('app/node_modules/somepkg/build/Release/addon.node', 'amd64', 'arm64'),
    ).toBeUndefined();
    expect(ignoredReason('app/latest/addon.node', 'amd64', 'arm64')).toBeUndefined();
    expect(ignoredReason('usr/bin/tool', '386', 'amd64')).toBe('compat32');
    expect(ignoredReason('usr/lib/python3/site-packages/m/x.so', '386', 'amd64')).toBeUndefined();
  });
});
