import { describe, expect, it } from 'vitest';
import type { ToolFinding } from '../../../../src/facts/image-facts.js';
import { compilers } from '../../../../src/facts/extractors/compilers.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import {
  BASE_PACKAGES,
  baseLayerFiles,
  buildLayerFiles,
  dpkgStatus,
  elf,
  exe,
  INSTALL_STEP,
  script,
} from './tool-fixtures.js';

function tool(tools: ToolFinding[] | undefined, name: string): ToolFinding {
  const found = tools?.find((t) => t.name === name);
  if (!found) throw new Error(`no ${name} in ${JSON.stringify(tools?.map((t) => t.name))}`);
  return found;
}

describe('compilers extractor', () => {
  it('finds gcc, make and dev headers of a single-stage image with package, file and history evidence', async () => {
    const image = await buildImage({
      layers: [{ files: baseLayerFiles() }, { files: buildLayerFiles(), createdBy: INSTALL_STEP }],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    const digest = image.layers[1].digest;

    expect(facts.compilers?.map((t) => t.name)).toEqual(['dev-headers', 'gcc', 'make']);
    const gcc = tool(facts.compilers, 'gcc');
    expect(gcc.kind).toBe('c');
    expect(gcc.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'file',
          path: '/usr/bin/x86_64-linux-gnu-gcc-12',
          layer: 1,
          layerDigest: digest,
          createdBy: INSTALL_STEP,
          state: 'present',
          package: 'gcc-12',
          detail: 'ELF executable',
        }),
        expect.objectContaining({
          kind: 'file',
          path: '/usr/bin/gcc-12',
          layer: 1,
          state: 'present',
          package: 'gcc-12',
          detail: 'symlink to x86_64-linux-gnu-gcc-12 → /usr/bin/x86_64-linux-gnu-gcc-12 (ELF executable)',
        }),
        expect.objectContaining({
          kind: 'file',
          path: '/usr/bin/gcc',
          layer: 1,
          state: 'present',
          package: 'gcc',
          detail: 'symlink to gcc-12 → /usr/bin/x86_64-linux-gnu-gcc-12 (ELF executable)',
        }),
        expect.objectContaining({
          kind: 'package',
          path: '/var/lib/dpkg/status',
          layer: 1,
          state: 'present',
          package: 'gcc-12',
          detail: 'dpkg package gcc-12 12.2.0-14',
        }),
        expect.objectContaining({ kind: 'package', package: 'gcc', state: 'present' }),
        expect.objectContaining({
          kind: 'history',
          path: 'history[1]',
          layer: 1,
          layerDigest: digest,
          createdBy: INSTALL_STEP,
          detail: 'apt-get install -y --no-install-recommends gcc make (installs gcc)',
        }),
      ]),
    );
    const make = tool(facts.compilers, 'make');
    expect(make.kind).toBe('build');
    expect(make.evidence.map((e) => `${e.kind}:${e.path}:${e.layer}:${e.state}`)).toEqual([
      'file:/usr/bin/make:1:present',
      'package:/var/lib/dpkg/status:1:present',
      'history:history[1]:1:present',
    ]);
    expect(tool(facts.compilers, 'dev-headers').evidence).toEqual([
      expect.objectContaining({ kind: 'package', package: 'libc6-dev', layer: 1, state: 'present' }),
    ]);

    const findings = compilers.findings(facts);
    expect(findings.map((f) => [f.check, f.severity])).toEqual([
      ['dev-headers-present', 'low'],
      ['compiler-present', 'high'],
      ['compiler-present', 'high'],
    ]);
    expect(findings[1].message).toBe(
      'gcc (c): /usr/bin/x86_64-linux-gnu-gcc-12, /usr/bin/gcc-12, /usr/bin/gcc; package gcc 4:12.2.0-3, gcc-12 12.2.0-14',
    );
    expect(findings[1].evidence).toBe(gcc.evidence);
  });

  it('finds build-base and gcc in an apk image, with the owning package', async () => {
    const installed = [
      'P:build-base\nV:0.5-r3\nA:x86_64\no:build-base\n',
      'P:gcc\nV:13.2.1_git20231014-r0\nA:x86_64\no:gcc\nF:usr/bin\nR:gcc\nR:x86_64-alpine-linux-musl-gcc\n',
      'P:musl-dev\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n',
      'P:apk-tools\nV:2.14.4-r0\nA:x86_64\no:apk-tools\nF:sbin\nR:apk\n',
    ].join('\n');
    const image = await buildImage({
      layers: [
        {
          files: [
            { path: 'lib/apk/db/installed', content: installed },
            exe('sbin/apk'),
            exe('usr/bin/gcc'),
            exe('usr/bin/x86_64-alpine-linux-musl-gcc'),
          ],
          createdBy: 'RUN /bin/sh -c apk add --no-cache --virtual .build-deps build-base # buildkit',
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.compilers?.map((t) => t.name)).toEqual(['build-base', 'dev-headers', 'gcc']);
    expect(tool(facts.compilers, 'gcc').evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'file',
          path: '/usr/bin/gcc',
          layer: 0,
          package: 'gcc',
          state: 'present',
        }),
        expect.objectContaining({
          kind: 'file',
          path: '/usr/bin/x86_64-alpine-linux-musl-gcc',
          package: 'gcc',
        }),
        expect.objectContaining({ kind: 'package', path: '/lib/apk/db/installed', package: 'gcc', layer: 0 }),
      ]),
    );
    expect(tool(facts.compilers, 'build-base').evidence).toEqual([
      expect.objectContaining({ kind: 'package', package: 'build-base', state: 'present' }),
      expect.objectContaining({
        kind: 'history',
        path: 'history[0]',
        layer: 0,
        detail: 'apk add --no-cache --virtual .build-deps build-base (installs build-base)',
      }),
    ]);
  });

  it('does not report a compiler a later layer removed, package and files alike', async () => {
    const image = await buildImage({
      layers: [
        { files: baseLayerFiles() },
        { files: buildLayerFiles(), createdBy: INSTALL_STEP },
        {
          files: [
            { path: 'var/lib/dpkg/status', content: dpkgStatus(BASE_PACKAGES) },
            { path: 'var/lib/dpkg/info/gcc-12.list', type: 'whiteout' },
            { path: 'var/lib/dpkg/info/gcc.list', type: 'whiteout' },
            { path: 'var/lib/dpkg/info/make.list', type: 'whiteout' },
            { path: 'usr/bin/x86_64-linux-gnu-gcc-12', type: 'whiteout' },
            { path: 'usr/bin/gcc-12', type: 'whiteout' },
            { path: 'usr/bin/gcc', type: 'whiteout' },
            { path: 'usr/bin/make', type: 'whiteout' },
          ],
          createdBy: '/bin/sh -c apt-get purge -y gcc-12 gcc make libc6-dev',
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.compilers).toEqual([]);
    expect(compilers.findings(facts)).toEqual([]);
    const gcc12 = facts.packages?.items.find((p) => p.name === 'gcc-12');
    expect(gcc12?.evidence).toMatchObject({ layer: 1, state: 'deleted', byLayer: 2 });
    // The rest of the image is still seen.
    expect(facts.shells?.map((t) => t.name)).toEqual(['bash', 'dash', 'sh']);
  });

  it('ignores look-alikes: text files named like tools, tools outside bin directories, dangling links', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            { path: 'usr/bin/gcc', content: 'gcc is not installed in this image\n', mode: 0o755 },
            { path: 'usr/local/bin/cc', content: 'echo no\n', mode: 0o755 },
            { path: 'usr/share/doc/binutils/as', content: script() },
            exe('usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
            exe('usr/lib/gcc/x86_64-linux-gnu/12/cc1'),
            exe('opt/data/make'),
            exe('srv/go'),
            { path: 'usr/bin/clang', type: 'symlink', target: '../share/clang/README' },
            { path: 'usr/share/clang/README', content: 'text\n' },
            { path: 'usr/bin/ld', type: 'symlink', target: 'x86_64-linux-gnu-ld' },
            { path: 'usr/bin/cmake', content: Buffer.from([0x7f, 0x45]) },
          ],
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.compilers).toEqual([]);
    expect(facts.shells).toEqual([]);
    expect(facts.packageManagers).toEqual([]);
  });

  it('finds toolchains in /usr/local/go/bin, cargo homes and node_modules/.bin', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            exe('usr/local/go/bin/go'),
            exe('usr/local/cargo/bin/rustc'),
            exe('root/.cargo/bin/cargo'),
            exe('usr/lib/jvm/java-17-openjdk-amd64/bin/javac'),
            {
              path: 'usr/bin/javac',
              type: 'symlink',
              target: '/usr/lib/jvm/java-17-openjdk-amd64/bin/javac',
            },
            exe('app/node_modules/typescript/bin/tsc', script('/usr/bin/env node')),
            { path: 'app/node_modules/.bin/tsc', type: 'symlink', target: '../typescript/bin/tsc' },
            exe('usr/bin/clang-16', elf()),
          ],
          createdBy: '/bin/sh -c npm install -g typescript@5.4',
        },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    expectValidFacts(facts);
    expect(facts.compilers?.map((t) => [t.name, t.kind])).toEqual([
      ['cargo', 'rust'],
      ['clang', 'c'],
      ['go', 'go'],
      ['javac', 'java'],
      ['rustc', 'rust'],
      ['tsc', 'node'],
    ]);
    expect(tool(facts.compilers, 'tsc').evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/app/node_modules/typescript/bin/tsc', detail: 'script' }),
        expect.objectContaining({ path: '/app/node_modules/.bin/tsc', state: 'present' }),
        expect.objectContaining({
          kind: 'history',
          detail: 'npm install -g typescript@5.4 (installs typescript)',
        }),
      ]),
    );
  });
});
