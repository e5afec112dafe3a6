import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DockerArchiveSource } from '../../src/image/docker-archive-source.js';
import { DockerEngineSource } from '../../src/image/docker-engine-source.js';
import { OciLayoutSource } from '../../src/image/oci-layout-source.js';
import type { ImageSource, PlatformImage, ResolvedImage } from '../../src/image/types.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { buildImage, pushImage, writeDockerArchive, type BuiltImage } from '../support/image-builder.js';
import { startRegistry } from '../support/registry.js';
import { tempDir } from '../support/temp-dir.js';
import { expectLayersVerify, rejection } from '../support/expect-image.js';

const run = promisify(execFile);

async function skopeo(args: string[]): Promise<void> {
  try {
    await run('skopeo', ['--insecure-policy', ...args]);
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: unknown };
    if (e.code === 'ENOENT') throw new Error('skopeo not found; install it (Debian: apt-get install skopeo)');
    throw new Error(`skopeo ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

interface Summary {
  configDigest: string;
  platform: PlatformImage['platform'];
  diffIds: Array<string | undefined>;
  layerCount: number;
}

function summary(resolved: ResolvedImage): Summary {
  expect(resolved.platforms).toHaveLength(1);
  const [image] = resolved.platforms;
  return {
    configDigest: image.configDigest,
    platform: image.platform,
    diffIds: image.layers.map((l) => l.diffId),
    layerCount: image.layers.length,
  };
}

async function resolveAndVerify(source: ImageSource): Promise<ResolvedImage> {
  const resolved = await source.resolve();
  for (const image of resolved.platforms) await expectLayersVerify(image);
  return resolved;
}

describe('image sources against a real Docker engine', () => {
  let engine: Dockerd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let saved: string;
  let imageId: string;
  const name = 'pushgate-test/app:1';

  beforeAll(async () => {
    engine = await startDockerd();
    dir = await tempDir('pushgate-engine-');
    // FROM scratch with COPY only: no base image, no registry, no container run.
    const context = join(dir.path, 'context');
    await mkdir(join(context, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(context, 'hello.txt'), 'hello from pushgate\n');
    await writeFile(join(context, 'sub', 'data.bin'), Buffer.alloc(200_000, 0x5a));
    await writeFile(join(context, 'sub', 'deeper', 'conf.ini'), '[a]\nb=c\n');
    await writeFile(
      join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY hello.txt /hello.txt',
        'COPY sub /opt/sub/',
        'ENV MODE=test',
        'USER 1000',
        'LABEL team=qa',
        '',
      ].join('\n'),
    );
    await engine.cli(['build', '-q', '-t', name, context]);
    imageId = (await engine.docker.getImage(name).inspect()).Id;
    saved = join(dir.path, 'saved.tar');
    await engine.cli(['save', '-o', saved, name]);
  });

  afterAll(async () => {
    await engine?.stop();
    await dir?.remove();
  });

  it('starts a private engine and reports its storage driver', async () => {
    const info = (await engine.docker.info()) as { Driver: string; DockerRootDir: string };
    expect(info.Driver).toBe(engine.storageDriver);
    expect(info.DockerRootDir).toBe(engine.dataRoot);
  });

  it('runs a second engine with vfs next to the first one without clashing', async () => {
    const second = await startDockerd({ storageDrivers: ['vfs'] });
    try {
      expect(second.storageDriver).toBe('vfs');
      expect(second.socketPath).not.toBe(engine.socketPath);
      const archive = join(dir.path, 'for-vfs.tar');
      await engine.cli(['save', '-o', archive, name]);
      await second.cli(['load', '-i', archive]);
      const source = new DockerEngineSource(name, { docker: second.docker, tempDir: dir.path });
      const fromSecond = await resolveAndVerify(source);
      await source.close();
      expect(summary(fromSecond).configDigest).toBe(imageId);
      expect((await engine.docker.ping()).toString()).toBe('OK');
    } finally {
      await second.stop();
    }
    expect((await engine.docker.ping()).toString()).toBe('OK');
  });

  it('gives the same image from docker save, docker://, and skopeo-written layouts (dir and tar)', async () => {
    const fromArchive = await resolveAndVerify(new DockerArchiveSource(saved));
    const engineSource = new DockerEngineSource(name, { socketPath: engine.socketPath, tempDir: dir.path });
    const fromEngine = await resolveAndVerify(engineSource);
    await engineSource.close();

    // --format v2s2 keeps Docker's config bytes, so even the config digest is the same.
    const layoutDir = join(dir.path, 'layout-v2s2');
    await skopeo(['copy', '--format', 'v2s2', `docker-archive:${saved}`, `oci:${layoutDir}:app`]);
    const fromLayout = await resolveAndVerify(new OciLayoutSource(layoutDir, { refName: 'app' }));
    const layoutTar = join(dir.path, 'layout-v2s2.tar');
    await skopeo(['copy', '--format', 'v2s2', `docker-archive:${saved}`, `oci-archive:${layoutTar}:app`]);
    const fromLayoutTar = await resolveAndVerify(new OciLayoutSource(layoutTar));

    const expected = summary(fromArchive);
    expect(expected.configDigest).toBe(imageId);
    expect(expected.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(expected.layerCount).toBe(2);
    expect(summary(fromEngine)).toEqual(expected);
    expect(summary(fromLayout)).toEqual(expected);
    expect(summary(fromLayoutTar)).toEqual(expected);

    expect(fromEngine.source).toBe('docker');
    expect(fromEngine.reference).toBe(`docker://${name}`);
    expect(fromEngine.platforms[0].config.config?.User).toBe('1000');
    expect(fromEngine.platforms[0].config.config?.Labels).toEqual({ team: 'qa' });
    // The archive stores uncompressed layers; skopeo gzips them for the layout.
    expect(fromArchive.platforms[0].layers.map((l) => l.descriptor.digest)).toEqual(expected.diffIds);
    expect(fromLayout.platforms[0].layers.map((l) => l.descriptor.mediaType)).toEqual([
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
    ]);
    expect(fromLayout.platforms[0].manifestDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(fromEngine.platforms[0].manifestDigest).toBeUndefined(); // built locally: no RepoDigests
  });

  it('gives the same platform and diff_ids from the OCI-converted layout skopeo writes by default', async () => {
    const layoutDir = join(dir.path, 'layout-oci');
    await skopeo(['copy', `docker-archive:${saved}`, `oci:${layoutDir}`]);
    const layoutTar = join(dir.path, 'layout-oci.tar');
    await skopeo(['copy', `docker-archive:${saved}`, `oci-archive:${layoutTar}`]);
    const expected = summary(await new DockerArchiveSource(saved).resolve());
    for (const resolved of [
      await resolveAndVerify(new OciLayoutSource(layoutDir)),
      await resolveAndVerify(new OciLayoutSource(layoutTar)),
    ]) {
      const got = summary(resolved);
      // skopeo rewrites the config as an OCI config, so its digest changes; the image does not.
      expect(got.configDigest).not.toBe(expected.configDigest);
      expect({ ...got, configDigest: '' }).toEqual({ ...expected, configDigest: '' });
      expect(resolved.platforms[0].manifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    }
  });

  it('reads an image loaded from a builder-made archive through docker:// and docker save', async () => {
    const built: BuiltImage = await buildImage({
      format: 'docker',
      layers: [
        { files: [{ path: 'etc/os-release', content: 'ID=test\n' }], compression: 'gzip' },
        { files: [{ path: 'usr/bin/app', content: 'binary', mode: 0o755, uid: 1000, gid: 1000 }] },
      ],
      config: { User: 'nobody', Entrypoint: ['/usr/bin/app'] },
    });
    const archive = join(dir.path, 'built.tar');
    await writeDockerArchive(archive, built, ['pushgate-test/built:2']);
    await engine.cli(['load', '-i', archive]);
    const source = new DockerEngineSource('pushgate-test/built:2', {
      socketPath: engine.socketPath,
      tempDir: dir.path,
    });
    const resolved = await resolveAndVerify(source);
    await source.close();
    expect(summary(resolved)).toEqual({
      configDigest: built.config.digest,
      platform: { os: 'linux', architecture: 'amd64' },
      diffIds: built.layers.map((l) => l.diffId),
      layerCount: 2,
    });
    expect(summary(await resolveAndVerify(new DockerArchiveSource(archive)))).toEqual(summary(resolved));
  });

  it('records the registry manifest digest of a pulled image (RepoDigests)', async () => {
    const registry = await startRegistry();
    try {
      const built = await buildImage({
        format: 'docker',
        layers: [{ files: [{ path: 'pulled', content: 'from the registry' }], compression: 'gzip' }],
      });
      const { digest } = await pushImage({ url: registry.url, repository: 'team/pulled', tag: '3' }, built);
      expect(digest).toBe(built.manifest.digest);
      // Docker treats 127.0.0.0/8 registries as insecure (plain HTTP) without configuration.
      const pulled = `${registry.host}/team/pulled:3`;
      await engine.cli(['pull', '-q', pulled]);
      const source = new DockerEngineSource(pulled, { socketPath: engine.socketPath, tempDir: dir.path });
      const resolved = await resolveAndVerify(source);
      await source.close();
      const [image] = resolved.platforms;
      expect(image.manifestDigest).toBe(built.manifest.digest);
      expect(summary(resolved)).toEqual({
        configDigest: built.config.digest,
        platform: { os: 'linux', architecture: 'amd64' },
        diffIds: built.layers.map((l) => l.diffId),
        layerCount: 1,
      });
    } finally {
      await registry.stop();
    }
  });

  it('picks one image of a multi-image docker save', async () => {
    await engine.cli(['tag', name, 'pushgate-test/other:latest']);
    const multi = join(dir.path, 'multi.tar');
    await engine.cli(['save', '-o', multi, name, 'pushgate-test/built:2']);
    const ambiguous = await rejection(new DockerArchiveSource(multi).resolve());
    expect(ambiguous.code).toBe('ARCHIVE_INVALID');
    expect(ambiguous.message).toContain(`${multi} holds 2 images (`);
    expect(ambiguous.message).toContain(name);
    const picked = await resolveAndVerify(new DockerArchiveSource(multi, { image: 'pushgate-test/built:2' }));
    expect(picked.platforms[0].config.config?.User).toBe('nobody');
    const app = await new DockerArchiveSource(multi, { image: name }).resolve();
    expect(app.platforms[0].configDigest).toBe(imageId);
  });

  it('removes its spooled archive on close', async () => {
    const spool = join(dir.path, 'spool');
    await mkdir(spool);
    const source = new DockerEngineSource(imageId, { socketPath: engine.socketPath, tempDir: spool });
    const resolved = await source.resolve();
    expect(resolved.platforms[0].configDigest).toBe(imageId);
    expect(await readdir(spool)).toHaveLength(1);
    await source.close();
    expect(await readdir(spool)).toEqual([]);
    await source.close();
  });

  it('filters by platform through docker://', async () => {
    const source = new DockerEngineSource(name, { socketPath: engine.socketPath, tempDir: dir.path });
    const err = await rejection(source.resolve({ os: 'linux', architecture: 'arm64' }));
    expect(err.code).toBe('PLATFORM_NOT_FOUND');
    expect(err.message).toBe(`docker://${name} has no image for linux/arm64; available: linux/amd64`);
    await source.close();
  });

  it('fails clearly for an image the engine does not have, and for an engine it cannot reach', async () => {
    const missing = new DockerEngineSource('pushgate-test/nope:9', { docker: engine.docker });
    const notFound = await rejection(missing.resolve());
    expect(notFound.code).toBe('DOCKER_ENGINE');
    expect(notFound.message).toBe(
      `image pushgate-test/nope:9 not found in the Docker engine at ${engine.socketPath}`,
    );
    await missing.close();

    const socketPath = join(dir.path, 'no-engine.sock');
    const unreachable = await rejection(new DockerEngineSource(name, { socketPath }).resolve());
    expect(unreachable.code).toBe('DOCKER_ENGINE');
    expect(unreachable.transient).toBe(true);
    expect(unreachable.message).toContain(
      `inspect image ${name}: cannot reach the Docker engine at ${socketPath}`,
    );
  });
});
