import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/policy/types.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { buildImage, writeDockerArchive, writeOciLayout, type BuiltImage } from '../support/image-builder.js';
import { runCli } from '../support/run-cli.js';
import { fakeElf } from '../support/seed-images.js';
import { tempDir } from '../support/temp-dir.js';

/** The default policy set: strict in `prod/**`, audit elsewhere (policies/README.md). */
const POLICIES = 'policies/';

/** A clean non-root image with a healthcheck, but gcc inside: only `no-build-toolchain` objects. */
function buildWithCompiler(): Promise<BuiltImage> {
  return buildImage({
    layers: [
      {
        createdBy: 'COPY /out/server /server # buildkit',
        files: [{ path: 'server', content: fakeElf('server', 16 * 1024), mode: 0o755 }],
      },
      {
        createdBy: 'COPY /usr/bin/gcc-12 /usr/bin/ # buildkit',
        files: [
          { path: 'usr/bin/gcc-12', content: fakeElf('gcc-12'), mode: 0o755 },
          { path: 'usr/bin/gcc', type: 'symlink', target: 'gcc-12' },
        ],
      },
    ],
    config: {
      User: '65532:65532',
      Entrypoint: ['/server'],
      Healthcheck: { Test: ['CMD', '/server', '-health'] },
    },
  });
}

interface Outcome {
  code: number;
  verdicts: Verdict[];
  stderr: string;
}

async function scanJson(reference: string, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const result = await runCli(['scan', '-f', 'json', '--no-progress', reference, '--policy', POLICIES], env);
  const verdicts =
    result.stdout === '' ? [] : (JSON.parse(result.stdout) as { verdicts: Verdict[] }).verdicts;
  return { code: result.code, verdicts, stderr: result.stderr };
}

/** image → decision, and the policies that failed (audit ones excluded). */
function decisions(verdicts: Verdict[]): Array<[string, string, string[]]> {
  return verdicts.map((v) => [
    v.image,
    v.decision,
    v.policies.filter((p) => p.mode === 'enforce' && p.result === 'fail').map((p) => p.name),
  ]);
}

describe('an image is judged under the names its archive, layout or engine gives it', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: BuiltImage;
  const path = (name: string): string => join(dir.path, name);

  beforeAll(async () => {
    dir = await tempDir();
    image = await buildWithCompiler();
    await Promise.all([
      writeDockerArchive(path('app.tar'), image, ['prod/app:1']),
      writeDockerArchive(path('two.tar'), image, ['prod/app:1', 'dev/app:1']),
      writeDockerArchive(path('untagged.tar'), image),
      writeOciLayout(path('layout-full'), image, { refName: 'prod/app:1' }),
      writeOciLayout(path('layout-tag'), image, { refName: '1' }),
      writeOciLayout(path('layout-containerd'), image, {
        refName: '1',
        annotations: { 'io.containerd.image.name': 'registry.example.com/prod/app:1' },
      }),
      writeOciLayout(path('layout-steer'), image, {
        refName: 'prod/app:1',
        annotations: { 'io.containerd.image.name': 'dev/app:1' },
      }),
    ]);
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('rejects docker-archive:app.tar holding prod/app:1 with a compiler (exit 1), as app.tar:prod/app:1 does', async () => {
    const bare = await scanJson(`docker-archive:${path('app.tar')}`);
    expect(bare.code, bare.stderr).toBe(1);
    expect(decisions(bare.verdicts)).toEqual([
      [`docker-archive:${path('app.tar')}:prod/app:1`, 'reject', ['no-build-toolchain']],
    ]);
    const named = await scanJson(`docker-archive:${path('app.tar')}:prod/app:1`);
    expect(named.code).toBe(1);
    expect(decisions(named.verdicts)).toEqual(decisions(bare.verdicts));

    const table = await runCli(['scan', `docker-archive:${path('app.tar')}`, '--policy', POLICIES]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain(
      `\nPolicy verdict  linux/amd64  docker-archive:${path('app.tar')}:prod/app:1\nDecision  REJECT\n`,
    );
  });

  it('judges an image with two names under each: the strongest decision sets the exit code', async () => {
    const both = await scanJson(`docker-archive:${path('two.tar')}`);
    expect(both.code).toBe(1);
    expect(decisions(both.verdicts)).toEqual([
      [`docker-archive:${path('two.tar')}:prod/app:1`, 'reject', ['no-build-toolchain']],
      [`docker-archive:${path('two.tar')}:dev/app:1`, 'pass', []],
    ]);
    // Outside prod the policy is audited: it records the compiler without acting on it.
    const dev = both.verdicts[1].policies.find((p) => p.name === 'no-build-toolchain');
    expect(dev?.result).toBe('fail');
    expect(dev?.mode).toBe('audit');

    // A selector picks the name: the image is judged under that name only.
    const selected = await scanJson(`docker-archive:${path('two.tar')}:dev/app:1`);
    expect(selected.code).toBe(0);
    expect(decisions(selected.verdicts)).toEqual([
      [`docker-archive:${path('two.tar')}:dev/app:1`, 'pass', []],
    ]);
  });

  it('judges an archive without RepoTags under its reference, as before', async () => {
    const untagged = await scanJson(`docker-archive:${path('untagged.tar')}`);
    expect(untagged.code).toBe(0);
    expect(decisions(untagged.verdicts)).toEqual([[`docker-archive:${path('untagged.tar')}`, 'pass', []]]);
  });

  it('takes the OCI layout ref name: a full reference names the repository, a bare tag does not', async () => {
    const full = await scanJson(`oci:${path('layout-full')}`);
    expect(full.code, full.stderr).toBe(1);
    expect(decisions(full.verdicts)).toEqual([
      [`oci:${path('layout-full')}:prod/app:1`, 'reject', ['no-build-toolchain']],
    ]);

    const tagOnly = await scanJson(`oci:${path('layout-tag')}`);
    expect(tagOnly.code).toBe(0);
    expect(decisions(tagOnly.verdicts)).toEqual([[`oci:${path('layout-tag')}:1`, 'pass', []]]);

    // containerd, Docker and BuildKit write the full name beside a ref name that is only a tag.
    const containerd = await scanJson(`oci:${path('layout-containerd')}`);
    expect(containerd.code).toBe(1);
    expect(decisions(containerd.verdicts)).toEqual([
      [`oci:${path('layout-containerd')}:1`, 'pass', []],
      [`oci:${path('layout-containerd')}:registry.example.com/prod/app:1`, 'reject', ['no-build-toolchain']],
    ]);
  });

  it('judges an OCI layout under its ref name even when io.containerd.image.name names another repository', async () => {
    const steered = await scanJson(`oci:${path('layout-steer')}`);
    expect(steered.code, steered.stderr).toBe(1);
    expect(decisions(steered.verdicts)).toEqual([
      [`oci:${path('layout-steer')}:prod/app:1`, 'reject', ['no-build-toolchain']],
      [`oci:${path('layout-steer')}:dev/app:1`, 'pass', []],
    ]);
    const selected = await scanJson(`oci:${path('layout-steer')}:prod/app:1`);
    expect(selected.code).toBe(1);
  });

  describe('docker:// (a real engine)', () => {
    let dockerd: Dockerd;
    let id: string;

    beforeAll(async () => {
      dockerd = await startDockerd();
      await dockerd.cli(['load', '-i', path('two.tar')]);
      id = (await dockerd.cli(['image', 'inspect', '--format', '{{.Id}}', 'prod/app:1'])).stdout.trim();
    }, 120_000);

    afterAll(async () => {
      await dockerd?.stop();
    });

    const env = (): NodeJS.ProcessEnv => ({ DOCKER_HOST: `unix://${dockerd.socketPath}` });

    it('judges an image asked by id under every tag the engine gives it', async () => {
      const byId = await scanJson(`docker://${id.slice('sha256:'.length, 'sha256:'.length + 12)}`, env());
      expect(byId.code, byId.stderr).toBe(1);
      expect(decisions(byId.verdicts).sort()).toEqual([
        ['docker://dev/app:1', 'pass', []],
        ['docker://prod/app:1', 'reject', ['no-build-toolchain']],
      ]);
    });

    it('judges an image asked by name under that name only', async () => {
      const dev = await scanJson('docker://dev/app:1', env());
      expect(dev.code, dev.stderr).toBe(0);
      expect(decisions(dev.verdicts)).toEqual([['docker://dev/app:1', 'pass', []]]);
    });
  });
});
