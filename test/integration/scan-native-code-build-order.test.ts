import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/report/scan-report.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { elfHeader, hostX86SharedObject } from '../support/elf-fixture.js';
import { expectValidFacts } from '../support/facts-schema.js';
import { buildImage, writeDockerArchive, type BuiltImage, type FileSpec } from '../support/image-builder.js';
import { REPO_ROOT, runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';

const POLICIES = join(REPO_ROOT, 'policies');
const ADDON = 'app/node_modules/somepkg/build/Release/addon.node';

type Dir = Awaited<ReturnType<typeof tempDir>>;

/** `pushgate scan -f json --policy policies/` of an archive; the report of its one platform. */
async function scanArchive(archive: string): Promise<{ code: number; report: ScanReport }> {
  const result = await runCli(['scan', '-f', 'json', `docker-archive:${archive}`, '--policy', POLICIES]);
  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as ScanReport;
  expect(report.platforms).toHaveLength(1);
  expectValidFacts(report.platforms[0].facts);
  return { code: result.code, report };
}

function policyResult(report: ScanReport, name: string): { result: string; mode: string } | undefined {
  const policy = report.verdicts?.[0].policies.find((p) => p.name === name);
  return policy && { result: policy.result, mode: policy.mode };
}

describe('native code of another architecture (pushgate scan)', () => {
  let dir: Dir;
  let shared: { path: string; content: Buffer };

  beforeAll(async () => {
    dir = await tempDir('pushgate-native-');
    // A real x86-64 shared object a linker produced, standing in for a node-gyp build of somepkg.
    shared = hostX86SharedObject();
  });

  afterAll(async () => {
    await dir?.remove();
  });

  async function scanImage(name: string, architecture: string, files: FileSpec[]): Promise<ScanReport> {
    const image: BuiltImage = await buildImage({
      platform: { os: 'linux', architecture },
      layers: [{ createdBy: 'COPY /app/node_modules ./node_modules # buildkit', files }],
      config: { WorkingDir: '/app', Cmd: ['node', 'server.js'] },
    });
    const archive = join(dir.path, `${name}.tar`);
    await writeDockerArchive(archive, image, [`dev/${name}:1`]);
    const { code, report } = await scanArchive(archive);
    // Audited, never rejected: the scan's exit code stays 0.
    expect(code).toBe(0);
    expect(report.verdicts?.[0].decision).toBe('pass');
    return report;
  }

  const addonFiles = (): FileSpec[] => [
    { path: 'app/node_modules/somepkg/package.json', content: '{"name":"somepkg","version":"1.0.0"}' },
    { path: ADDON, content: shared.content, mode: 0o755 },
  ];

  it('finds an x86-64 .node addon in an arm64 image, with the package that brought it', async () => {
    const report = await scanImage('arm-with-x86-addon', 'arm64', addonFiles());
    const { facts, findings } = report.platforms[0];
    expect(facts.nativeCode?.mismatches).toEqual([
      {
        path: `/${ADDON}`,
        architecture: 'amd64',
        imageArchitecture: 'arm64',
        machine: 'x86-64',
        bits: 64,
        package: 'somepkg',
        ecosystem: 'npm',
        evidence: expect.objectContaining({
          kind: 'file',
          path: `/${ADDON}`,
          layer: 0,
          layerDigest: facts.layers[0].digest,
          state: 'present',
          detail: 'ELF 64-bit LSB shared object, x86-64',
        }),
      },
    ]);
    expect(findings.filter((f) => f.check === 'native-arch-mismatch').map((f) => f.message)).toEqual([
      `/${ADDON} (npm package somepkg) is built for amd64 (x86-64, 64-bit) but the image is arm64`,
    ]);
    expect(policyResult(report, 'native-architecture')).toEqual({ result: 'fail', mode: 'audit' });
    const violation = report.verdicts?.[0].policies.find((p) => p.name === 'native-architecture')
      ?.violations[0];
    expect(violation?.message).toBe(
      `native code built for another architecture than the image (arm64): /${ADDON}`,
    );
  });

  it('finds nothing when the same file is in an amd64 image', async () => {
    const report = await scanImage('amd-with-x86-addon', 'amd64', addonFiles());
    const { facts, findings } = report.platforms[0];
    expect(facts.nativeCode).toMatchObject({ imageArchitecture: 'amd64', elfFiles: 1, mismatches: [] });
    expect(findings.filter((f) => f.check === 'native-arch-mismatch')).toEqual([]);
    expect(policyResult(report, 'native-architecture')).toEqual({ result: 'pass', mode: 'audit' });
  });

  it('finds nothing for prebuilds/linux-x64 kept beside prebuilds/linux-arm64 in an arm64 image', async () => {
    const arm64 = elfHeader({ bits: 64, endian: 'le', type: 3, machine: 183, body: 4096 });
    const report = await scanImage('arm-with-prebuilds', 'arm64', [
      { path: 'app/node_modules/somepkg/package.json', content: '{"name":"somepkg","version":"1.0.0"}' },
      { path: 'app/node_modules/somepkg/prebuilds/linux-x64/somepkg.node', content: shared.content },
      { path: 'app/node_modules/somepkg/prebuilds/linux-arm64/somepkg.node', content: arm64 },
    ]);
    const { facts } = report.platforms[0];
    expect(facts.nativeCode).toMatchObject({
      elfFiles: 2,
      byArchitecture: { amd64: 1, arm64: 1 },
      mismatches: [],
      ignored: { platformDirectory: 1 },
    });
    expect(policyResult(report, 'native-architecture')).toEqual({ result: 'pass', mode: 'audit' });
  });
});

describe('cache-unfriendly build order, from images the Docker engine built', () => {
  let engine: Dockerd;
  let dir: Dir;
  const archives: Record<'contextFirst' | 'manifestsFirst', string> = {
    contextFirst: '',
    manifestsFirst: '',
  };

  beforeAll(async () => {
    [engine, dir] = await Promise.all([startDockerd(), tempDir('pushgate-build-order-')]);
    // FROM scratch with a `/bin/sh` that runs: the host's `true` and the libraries it loads, so the
    // engine can run `RUN npm ci` (as `/bin/sh -c npm ci`, which `true` ignores) and record it.
    const context = join(dir.path, 'context');
    const rootfs: Array<[string, string]> = [
      ['rootfs/bin/sh', '/bin/true'],
      ['rootfs/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6'],
      ['rootfs/lib64/ld-linux-x86-64.so.2', '/lib64/ld-linux-x86-64.so.2'],
    ];
    for (const [target, source] of rootfs) {
      await mkdir(dirname(join(context, target)), { recursive: true });
      await writeFile(join(context, target), await readFile(source), { mode: 0o755 });
    }
    await writeFile(join(context, 'package.json'), '{"name":"app","version":"1.0.0"}\n');
    await writeFile(join(context, 'package-lock.json'), '{"name":"app","lockfileVersion":3}\n');
    await writeFile(join(context, 'server.js'), 'console.log("hello")\n');
    const dockerfiles = {
      contextFirst: [
        'FROM scratch',
        'COPY rootfs/ /',
        'WORKDIR /app',
        'COPY . .',
        'RUN npm ci',
        'CMD ["node", "server.js"]',
      ],
      manifestsFirst: [
        'FROM scratch',
        'COPY rootfs/ /',
        'WORKDIR /app',
        'COPY package.json package-lock.json ./',
        'RUN npm ci',
        'COPY . .',
        'CMD ["node", "server.js"]',
      ],
    };
    for (const [name, lines] of Object.entries(dockerfiles) as Array<[keyof typeof archives, string[]]>) {
      const file = join(dir.path, `${name}.Dockerfile`);
      await writeFile(file, `${lines.join('\n')}\n`);
      const tag = `dev/${name.toLowerCase()}:1`;
      await engine.cli(['build', '-q', '-f', file, '-t', tag, context]);
      archives[name] = join(dir.path, `${name}.tar`);
      await engine.cli(['save', '-o', archives[name], tag]);
    }
  });

  afterAll(async () => {
    await engine?.stop();
    await dir?.remove();
  });

  it('reports the context copied before npm ci, naming both steps as Docker recorded them', async () => {
    const { code, report } = await scanArchive(archives.contextFirst);
    expect(code).toBe(0);
    const { facts, findings } = report.platforms[0];
    const items = facts.buildOrder?.contextCopyBeforeInstall ?? [];
    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item.copy.createdBy).toMatch(/^\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \. $/);
    expect(item.install).toEqual({
      index: item.copy.index + 1,
      createdBy: '/bin/sh -c npm ci',
      command: 'npm ci',
    });
    expect(facts.history[item.copy.index].createdBy).toBe(item.copy.createdBy);
    // The install changed no file, so Docker made it an empty layer: its evidence names no layer.
    expect(item.evidence.map((e) => [e.path, e.layer ?? null])).toEqual([
      [`history[${item.copy.index}]`, facts.history[item.copy.index].layerIndex],
      [`history[${item.install.index}]`, facts.history[item.install.index].layerIndex],
    ]);
    const finding = findings.find((f) => f.check === 'context-copied-before-install');
    expect(finding).toMatchObject({ severity: 'low', category: 'Build cache' });
    expect(finding?.message).toContain(`history[${item.install.index}] installs dependencies (npm ci)`);
    expect(policyResult(report, 'build-cache-order')).toEqual({ result: 'warn', mode: 'audit' });
    expect(report.verdicts?.[0].decision).toBe('pass');
    // The real libc, loader and `true` the engine ran are native to this amd64 image.
    expect(facts.nativeCode).toMatchObject({ imageArchitecture: 'amd64', mismatches: [] });
    expect(facts.nativeCode?.byArchitecture.amd64).toBeGreaterThanOrEqual(3);
  });

  it('finds nothing when only the manifests are copied before npm ci and the context after it', async () => {
    const { code, report } = await scanArchive(archives.manifestsFirst);
    expect(code).toBe(0);
    const { facts, findings } = report.platforms[0];
    expect(facts.history.map((h) => h.createdBy)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/COPY multi:[0-9a-f]{64} in \.\/ $/),
        '/bin/sh -c npm ci',
      ]),
    );
    expect(facts.buildOrder).toEqual({ contextCopyBeforeInstall: [] });
    expect(findings.filter((f) => f.check === 'context-copied-before-install')).toEqual([]);
    expect(policyResult(report, 'build-cache-order')).toEqual({ result: 'pass', mode: 'audit' });
  });
});
