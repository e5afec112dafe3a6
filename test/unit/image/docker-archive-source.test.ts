import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { readFile, truncate, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';

import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DockerArchiveSource, normaliseRepoTag } from '../../../src/image/docker-archive-source.js';
import { TarIndex } from '../../../src/image/tar-index.js';
import { buildImage, writeDockerArchive, type BuiltImage } from '../../support/image-builder.js';
import { tempDir } from '../../support/temp-dir.js';
import { expectLayersVerify, rejection } from '../../support/expect-image.js';

type Entry =
  | { name: string; data: Buffer | string }
  | { name: string; symlink: string }
  | { name: string; hardlink: string }
  | { name: string; dir: true };

/** Writes a tar with tar-stream (PAX headers for long names), for archives the builder does not make. */
async function writeTar(file: string, entries: Entry[]): Promise<void> {
  const tar = pack();
  const done = pipeline(tar, createWriteStream(file));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if ('data' in e) {
        const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
        tar.entry({ name: e.name, size: data.length }, data, cb);
      } else if ('symlink' in e) tar.entry({ name: e.name, type: 'symlink', linkname: e.symlink }, cb);
      else if ('hardlink' in e) tar.entry({ name: e.name, type: 'link', linkname: e.hardlink }, cb);
      else tar.entry({ name: e.name, type: 'directory' }, cb);
    });
  }
  tar.finalize();
  await done;
}

const hex = (digest: string): string => digest.slice('sha256:'.length);

async function sha256Of(stream: Readable): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, bytes };
}

describe('DockerArchiveSource', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let app: BuiltImage;
  let other: BuiltImage;

  beforeAll(async () => {
    dir = await tempDir('pushgate-archive-');
    app = await buildImage({
      format: 'docker',
      layers: [
        { files: [{ path: 'etc/hello', content: 'hello\n' }], compression: 'gzip' },
        {
          files: [{ path: 'app/run.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755 }],
          compression: 'zstd',
        },
        { files: [{ path: 'etc/hello', type: 'whiteout' }], compression: 'none' },
      ],
      config: { User: 'app', Env: ['A=1'], Cmd: ['/app/run.sh'] },
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    other = await buildImage({
      format: 'oci',
      layers: [{ files: [{ path: 'other', content: 'x' }], compression: 'none' }],
    });
  });

  afterAll(async () => {
    await dir.remove();
  });

  it('reads a legacy docker save archive from the image builder', async () => {
    const file = join(dir.path, 'legacy.tar');
    await writeDockerArchive(file, app, ['team/app:1.0']);
    const source = new DockerArchiveSource(file);
    expect(source.kind).toBe('docker-archive');
    const resolved = await source.resolve();
    expect(resolved.source).toBe('docker-archive');
    expect(resolved.reference).toBe(`docker-archive:${file}`);
    expect(resolved.skipped).toEqual({ attestations: 0, otherPlatforms: 0, unknownManifests: 0 });
    expect(resolved.platforms).toHaveLength(1);
    const [image] = resolved.platforms;
    expect(image.configDigest).toBe(app.config.digest);
    expect(image.manifestDigest).toBeUndefined();
    expect(image.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(image.config.config?.User).toBe('app');
    expect(image.layers.map((l) => l.diffId)).toEqual(app.layers.map((l) => l.diffId));
    // docker save stores plain tars: digest = diff_id, the docker uncompressed media type.
    expect(image.layers.map((l) => l.descriptor)).toEqual(
      app.layers.map((l) => ({
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
        digest: l.diffId,
        size: l.uncompressedSize,
      })),
    );
    await expectLayersVerify(image);
    await source.close();
    await source.close();
  });

  it('selects the platform with a matching filter and fails clearly with another', async () => {
    const file = join(dir.path, 'legacy.tar');
    const source = new DockerArchiveSource(file);
    const ok = await source.resolve({ os: 'linux', architecture: 'arm64' });
    expect(ok.platforms).toHaveLength(1);
    const err = await rejection(source.resolve({ os: 'linux', architecture: 'amd64' }));
    expect(err.code).toBe('PLATFORM_NOT_FOUND');
    expect(err.message).toContain('no image for linux/amd64; available: linux/arm64/v8');
  });

  it('picks one image of a multi-image archive by tag or position, and lists choices when ambiguous', async () => {
    const first = join(dir.path, 'first.tar');
    const second = join(dir.path, 'second.tar');
    await writeDockerArchive(first, app, ['team/app:1.0']);
    await writeDockerArchive(second, other, ['docker.io/library/other:latest']);
    // Merge the two archives' files and manifest.json entries into one, as `docker save a b` does.
    const entriesOf = async (file: string): Promise<{ manifest: unknown[]; files: Entry[] }> => {
      const index = await TarIndex.open(file);
      const files: Entry[] = [];
      let manifest: unknown[] = [];
      for (const name of index.names()) {
        const entry = index.get(name);
        if (!entry) continue;
        const data = await index.read(entry, 64 * 1024 * 1024);
        if (name === 'manifest.json') manifest = JSON.parse(data.toString()) as unknown[];
        else if (name !== 'repositories') files.push({ name, data });
      }
      return { manifest, files };
    };
    const a = await entriesOf(first);
    const b = await entriesOf(second);
    const multi = join(dir.path, 'multi.tar');
    await writeTar(multi, [
      ...a.files,
      ...b.files,
      { name: 'manifest.json', data: JSON.stringify([...a.manifest, ...b.manifest]) },
    ]);

    const ambiguous = await rejection(new DockerArchiveSource(multi).resolve());
    expect(ambiguous.code).toBe('ARCHIVE_INVALID');
    expect(ambiguous.message).toContain('holds 2 images (team/app:1.0; docker.io/library/other:latest)');

    const byTag = await new DockerArchiveSource(multi, { image: 'other' }).resolve();
    expect(byTag.platforms[0].configDigest).toBe(other.config.digest);
    expect(byTag.reference).toBe(`docker-archive:${multi}:other`);
    const byFullTag = await new DockerArchiveSource(multi, { image: 'docker.io/team/app:1.0' }).resolve();
    expect(byFullTag.platforms[0].configDigest).toBe(app.config.digest);
    const byPosition = await new DockerArchiveSource(multi, { image: '@1' }).resolve();
    expect(byPosition.platforms[0].configDigest).toBe(other.config.digest);
    await expectLayersVerify(byPosition.platforms[0]);

    const unknown = await rejection(new DockerArchiveSource(multi, { image: 'nope:1' }).resolve());
    expect(unknown.code).toBe('ARCHIVE_INVALID');
    expect(unknown.message).toContain(
      'no image tagged nope:1; it holds: team/app:1.0; docker.io/library/other:latest',
    );
  });

  it('reads the Docker ≥ 25 layout (OCI blobs + manifest.json) and takes the manifest digest from index.json', async () => {
    const image = await buildImage({
      format: 'oci',
      layers: [
        { files: [{ path: 'a', content: 'a' }], compression: 'none' },
        { files: [{ path: 'b', content: 'b' }], compression: 'none' },
      ],
      annotations: { 'org.opencontainers.image.title': 'app' },
    });
    const file = join(dir.path, 'docker25.tar');
    const blobs = [image.manifest, image.config, ...image.layers];
    await writeTar(file, [
      { name: 'blobs/', dir: true },
      { name: 'blobs/sha256/', dir: true },
      ...blobs.map((b) => ({ name: `blobs/sha256/${hex(b.digest)}`, data: b.data })),
      // Docker 25 keeps legacy layer paths as symlinks into blobs/.
      { name: 'legacy-id/', dir: true },
      { name: 'legacy-id/layer.tar', symlink: `../blobs/sha256/${hex(image.layers[1].digest)}` },
      {
        name: 'index.json',
        data: JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            {
              mediaType: image.manifest.mediaType,
              digest: image.manifest.digest,
              size: image.manifest.size,
              annotations: {
                'io.containerd.image.name': 'docker.io/library/app:1',
                'org.opencontainers.image.ref.name': '1',
              },
            },
          ],
        }),
      },
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      {
        name: 'manifest.json',
        data: JSON.stringify([
          {
            Config: `blobs/sha256/${hex(image.config.digest)}`,
            RepoTags: ['app:1'],
            Layers: [`blobs/sha256/${hex(image.layers[0].digest)}`, 'legacy-id/layer.tar'],
          },
        ]),
      },
    ]);
    const resolved = await new DockerArchiveSource(file, { image: 'app:1' }).resolve();
    const [img] = resolved.platforms;
    expect(img.manifestDigest).toBe(image.manifest.digest);
    expect(img.manifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(img.annotations).toEqual({ 'org.opencontainers.image.title': 'app' });
    expect(img.configDigest).toBe(image.config.digest);
    expect(img.layers.map((l) => l.descriptor)).toEqual(
      image.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    );
    await expectLayersVerify(img);
  });

  it('hashes compressed layers of a legacy archive and names their compression', async () => {
    const layerTgz = app.layers[0].data; // gzip blob from the builder
    const layerZst = app.layers[1].data; // zstd blob
    const plain = join(dir.path, 'legacy.tar');
    const index = await TarIndex.open(plain);
    const configEntry = index.get(`${hex(app.config.digest)}.json`);
    if (!configEntry) throw new Error('builder archive has no config');
    const file = join(dir.path, 'compressed.tar');
    await writeTar(file, [
      { name: `${hex(app.config.digest)}.json`, data: await index.read(configEntry, 1 << 20) },
      { name: 'l0.tar.gz', data: layerTgz },
      { name: 'l1.tar.zst', data: layerZst },
      { name: 'l2.tar', data: app.layers[2].data },
      {
        name: 'manifest.json',
        data: JSON.stringify([
          {
            Config: `${hex(app.config.digest)}.json`,
            RepoTags: null,
            Layers: ['l0.tar.gz', 'l1.tar.zst', 'l2.tar'],
          },
        ]),
      },
    ]);
    const [img] = (await new DockerArchiveSource(file).resolve()).platforms;
    expect(img.layers.map((l) => l.descriptor.mediaType)).toEqual([
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
      'application/vnd.docker.image.rootfs.diff.tar.zstd',
      'application/vnd.docker.image.rootfs.diff.tar',
    ]);
    expect(img.layers.map((l) => l.descriptor.digest)).toEqual(app.layers.map((l) => l.digest));
    expect(img.layers.map((l) => l.diffId)).toEqual(app.layers.map((l) => l.diffId));
    await expectLayersVerify(img);
  });

  describe('malformed archives', () => {
    it('refuses an archive without manifest.json, naming what it looks like', async () => {
      const file = join(dir.path, 'no-manifest.tar');
      await writeTar(file, [
        { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
        { name: 'index.json', data: '{"schemaVersion":2,"manifests":[]}' },
      ]);
      const err = await rejection(new DockerArchiveSource(file).resolve());
      expect(err.code).toBe('ARCHIVE_INVALID');
      expect(err.message).toBe(
        `${file} has no manifest.json: not a docker save archive; it is an OCI layout, read it as oci:FILE`,
      );
    });

    it('refuses a truncated archive', async () => {
      const file = join(dir.path, 'truncated.tar');
      await writeDockerArchive(file, app, ['team/app:1.0']);
      const { size } = await stat(file);
      await truncate(file, Math.floor(size / 2));
      const err = await rejection(new DockerArchiveSource(file).resolve());
      expect(err.code).toBe('ARCHIVE_INVALID');
      expect(err.message).toMatch(new RegExp(`^${file} is truncated: `));
    });

    it('refuses a manifest.json pointing at a missing layer', async () => {
      const file = join(dir.path, 'missing-layer.tar');
      await writeTar(file, [
        { name: `${hex(other.config.digest)}.json`, data: other.config.data },
        {
          name: 'manifest.json',
          data: JSON.stringify([
            { Config: `${hex(other.config.digest)}.json`, RepoTags: ['o:1'], Layers: ['gone/layer.tar'] },
          ]),
        },
      ]);
      const err = await rejection(new DockerArchiveSource(file).resolve());
      expect(err.code).toBe('ARCHIVE_INVALID');
      expect(err.message).toBe(
        `${file}: image o:1: manifest.json lists layer gone/layer.tar, which is not in the archive`,
      );
    });

    it('refuses a config whose content does not match its name', async () => {
      const file = join(dir.path, 'config-mismatch.tar');
      const tampered = Buffer.from(other.config.data.toString().replace('"amd64"', '"s390x"'));
      await writeTar(file, [
        { name: `${hex(other.config.digest)}.json`, data: tampered },
        { name: 'l.tar', data: other.layers[0].data },
        {
          name: 'manifest.json',
          data: JSON.stringify([
            { Config: `${hex(other.config.digest)}.json`, RepoTags: [], Layers: ['l.tar'] },
          ]),
        },
      ]);
      const err = await rejection(new DockerArchiveSource(file).resolve());
      expect(err.code).toBe('DIGEST_MISMATCH');
      expect(err.message).toContain(`its name says ${other.config.digest}`);
    });

    it('refuses layer counts that disagree with the config', async () => {
      const file = join(dir.path, 'count.tar');
      await writeTar(file, [
        { name: `${hex(other.config.digest)}.json`, data: other.config.data },
        { name: 'l.tar', data: other.layers[0].data },
        {
          name: 'manifest.json',
          data: JSON.stringify([{ Config: `${hex(other.config.digest)}.json`, Layers: ['l.tar', 'l.tar'] }]),
        },
      ]);
      const err = await rejection(new DockerArchiveSource(file).resolve());
      expect(err.code).toBe('ARCHIVE_INVALID');
      expect(err.message).toContain('manifest.json lists 2 layers but the config has 1 diff_ids');
    });

    it('refuses manifest.json that is not JSON or has the wrong shape', async () => {
      const notJson = join(dir.path, 'not-json.tar');
      await writeTar(notJson, [{ name: 'manifest.json', data: '[{' }]);
      const a = await rejection(new DockerArchiveSource(notJson).resolve());
      expect(a.code).toBe('ARCHIVE_INVALID');
      expect(a.message).toContain('manifest.json is not JSON');
      const badShape = join(dir.path, 'bad-shape.tar');
      await writeTar(badShape, [{ name: 'manifest.json', data: '[{"Config":"c.json","Layers":[1]}]' }]);
      const b = await rejection(new DockerArchiveSource(badShape).resolve());
      expect(b.message).toContain('manifest.json entry 0: Layers is not a list of file names');
    });

    it('refuses files that are not tars: gzip-compressed, random bytes, empty, missing', async () => {
      const legacy = await readFile(join(dir.path, 'legacy.tar'));
      const gz = join(dir.path, 'archive.tar.gz');
      await writeFile(gz, gzipSync(legacy));
      expect(await rejection(new DockerArchiveSource(gz).resolve())).toMatchObject({
        code: 'ARCHIVE_INVALID',
        message: `${gz} is gzip-compressed; decompress it first (gunzip)`,
      });
      const junk = join(dir.path, 'junk.tar');
      await writeFile(junk, Buffer.alloc(4096, 0x41));
      expect(await rejection(new DockerArchiveSource(junk).resolve())).toMatchObject({
        code: 'ARCHIVE_INVALID',
        message: `${junk} is not a tar archive (no valid tar header at byte 0)`,
      });
      const empty = join(dir.path, 'empty.tar');
      await writeFile(empty, '');
      expect((await rejection(new DockerArchiveSource(empty).resolve())).message).toBe(
        `${empty} is empty, not a tar archive`,
      );
      const missing = join(dir.path, 'does-not-exist.tar');
      const err = await rejection(new DockerArchiveSource(missing).resolve());
      expect(err.code).toBe('ARCHIVE_INVALID');
      expect(err.message).toContain(`cannot open ${missing}`);
    });
  });
});

describe('TarIndex', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('pushgate-tarindex-');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('indexes PAX long names, ./ prefixes, symlinks and hard links, and reads entries by offset', async () => {
    const file = join(dir.path, 'names.tar');
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}.bin`;
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeTar(file, [
      { name: long, data: 'long name body' },
      { name: './dot/file', data: 'dot' },
      { name: 'big', data: big },
      { name: 'links/sym', symlink: '../dot/file' },
      { name: 'links/abs', symlink: '/big' },
      { name: 'hard', hardlink: 'dot/file' },
      { name: 'loop', symlink: 'loop' },
    ]);
    const index = await TarIndex.open(file);
    const read = async (name: string): Promise<string> => {
      const entry = index.get(name);
      if (!entry) throw new Error(`no ${name}`);
      return (await index.read(entry, 1024)).toString();
    };
    expect(await read(long)).toBe('long name body');
    expect(await read('dot/file')).toBe('dot');
    expect(await read('./dot/file')).toBe('dot');
    expect(await read('links/sym')).toBe('dot');
    expect(await read('hard')).toBe('dot');
    expect(index.get('links/abs')?.size).toBe(big.length);
    expect(index.get('loop')).toBeUndefined();
    expect(index.get('nothing')).toBeUndefined();
    const bigEntry = index.get('big');
    if (!bigEntry) throw new Error('no big');
    await expect(index.read(bigEntry, 1024)).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
    const { digest, bytes } = await sha256Of(index.createReadStream(bigEntry));
    expect(bytes).toBe(big.length);
    expect(digest).toBe(`sha256:${createHash('sha256').update(big).digest('hex')}`);
  });

  it('refuses a corrupt header after the first entry and too many entries', async () => {
    const file = join(dir.path, 'corrupt.tar');
    await writeTar(file, [
      { name: 'a', data: 'a' },
      { name: 'b', data: 'b' },
    ]);
    const bytes = await readFile(file);
    bytes[1024 + 10] ^= 0xff; // inside the name field of the second header
    await writeFile(file, bytes);
    await expect(TarIndex.open(file)).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: `${file}: corrupt tar header at byte 1024 (checksum mismatch)`,
    });
    const many = join(dir.path, 'many.tar');
    await writeTar(
      many,
      Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: 'x' })),
    );
    await expect(TarIndex.open(many, { maxEntries: 4 })).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: `${many} has more than 4 tar entries`,
    });
  });

  it('normalises RepoTags the way Docker writes them', () => {
    expect(normaliseRepoTag('nginx')).toBe('nginx:latest');
    expect(normaliseRepoTag('docker.io/library/nginx:1')).toBe('nginx:1');
    expect(normaliseRepoTag('docker.io/team/app')).toBe('team/app:latest');
    expect(normaliseRepoTag('localhost:5000/team/app')).toBe('localhost:5000/team/app:latest');
    expect(normaliseRepoTag('localhost:5000/team/app:2')).toBe('localhost:5000/team/app:2');
  });
});
