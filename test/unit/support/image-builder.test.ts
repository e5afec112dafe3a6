import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

import { extract, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';

import {
  buildImage,
  buildIndex,
  pushImage,
  tarLayer,
  writeDockerArchive,
  writeOciLayout,
  type BuiltBlob,
  type FileSpec,
} from '../../support/image-builder.js';
import { freePort } from '../../support/ports.js';
import { tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

const run = promisify(execFile);

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface TarItem {
  header: Header;
  data: Buffer;
}

async function readTar(source: Buffer | Readable): Promise<TarItem[]> {
  const items: TarItem[] = [];
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      items.push({ header: entry.header, data: Buffer.concat(chunks) });
    }
  })();
  await pipeline(Buffer.isBuffer(source) ? Readable.from([source]) : source, ex);
  await done;
  return items;
}

function expectBlob(blob: BuiltBlob): void {
  expect(blob.digest).toBe(sha256(blob.data));
  expect(blob.size).toBe(blob.data.length);
}

const LONG_DIR = `usr/${'d'.repeat(60)}/${'e'.repeat(60)}`; // > 100 bytes, fits ustar prefix split
const LONG_COMPONENT = `opt/${'x'.repeat(120)}`; // one component > 100 bytes: needs PAX
const VERY_LONG = `srv/${Array.from({ length: 8 }, (_, i) => `${i}`.repeat(40)).join('/')}/file.txt`; // > 255 bytes

const FILES: FileSpec[] = [
  { path: 'etc', type: 'dir' },
  { path: '/etc/app', type: 'dir', mode: 0o750, uid: 1000, gid: 1001 },
  { path: 'etc/app/config.yaml', content: 'key: value\n', mode: 0o600, uid: 1000, gid: 1001 },
  { path: 'usr/bin/tool', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46]), mode: 0o4755, uid: 7 },
  { path: 'usr/bin/tool-link', type: 'symlink', target: '../../usr/bin/tool' },
  { path: 'usr/bin/tool-hard', type: 'hardlink', target: 'usr/bin/tool' },
  { path: 'var/cache/apt', type: 'whiteout' },
  { path: 'var/lib/dpkg', type: 'opaque' },
  { path: `${LONG_DIR}/file`, content: 'long-dir' },
  { path: LONG_COMPONENT, content: 'long-component', mtime: new Date('2020-02-02T02:02:02Z') },
  { path: VERY_LONG, content: 'very-long' },
  { path: `${VERY_LONG}.link`, type: 'symlink', target: VERY_LONG },
];

describe('tarLayer', () => {
  it('writes every requested entry, including long names, links and whiteouts', async () => {
    expect(Buffer.byteLength(VERY_LONG)).toBeGreaterThan(255);
    const items = await readTar(await tarLayer(FILES));
    const byName = new Map(items.map((i) => [i.header.name.replace(/\/$/, ''), i]));
    expect(items.map((i) => i.header.name.replace(/\/$/, ''))).toEqual([
      'etc',
      'etc/app',
      'etc/app/config.yaml',
      'usr/bin/tool',
      'usr/bin/tool-link',
      'usr/bin/tool-hard',
      'var/cache/.wh.apt',
      'var/lib/dpkg/.wh..wh..opq',
      `${LONG_DIR}/file`,
      LONG_COMPONENT,
      VERY_LONG,
      `${VERY_LONG}.link`,
    ]);

    const appDir = byName.get('etc/app')!.header;
    expect(appDir).toMatchObject({ type: 'directory', mode: 0o750, uid: 1000, gid: 1001 });
    expect(byName.get('etc')!.header).toMatchObject({ type: 'directory', mode: 0o755, uid: 0, gid: 0 });

    const config = byName.get('etc/app/config.yaml')!;
    expect(config.header).toMatchObject({ type: 'file', mode: 0o600, uid: 1000, gid: 1001 });
    expect(config.data.toString()).toBe('key: value\n');

    expect(byName.get('usr/bin/tool')!.header).toMatchObject({ mode: 0o4755, uid: 7 });
    expect(byName.get('usr/bin/tool-link')!.header).toMatchObject({
      type: 'symlink',
      linkname: '../../usr/bin/tool',
    });
    // A hard link carries its target's metadata, as tar writers do.
    expect(byName.get('usr/bin/tool-hard')!.header).toMatchObject({
      type: 'link',
      linkname: 'usr/bin/tool',
      mode: 0o4755,
      uid: 7,
      size: 0,
    });

    for (const wh of ['var/cache/.wh.apt', 'var/lib/dpkg/.wh..wh..opq']) {
      expect(byName.get(wh)!.header).toMatchObject({ type: 'file', size: 0 });
    }

    expect(byName.get(LONG_COMPONENT)!.data.toString()).toBe('long-component');
    expect(byName.get(LONG_COMPONENT)!.header.mtime.toISOString()).toBe('2020-02-02T02:02:02.000Z');
    expect(byName.get(VERY_LONG)!.data.toString()).toBe('very-long');
    expect(byName.get(`${VERY_LONG}.link`)!.header.linkname).toBe(VERY_LONG);
  });

  it('uses a fixed mtime unless one is given', async () => {
    const items = await readTar(await tarLayer([{ path: 'a', content: 'a' }]));
    expect(items[0].header.mtime.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('places whiteouts at the root and opaque markers of the root correctly', async () => {
    const items = await readTar(
      await tarLayer([
        { path: '/top', type: 'whiteout' },
        { path: 'dir/', type: 'opaque' },
      ]),
    );
    expect(items.map((i) => i.header.name)).toEqual(['.wh.top', 'dir/.wh..wh..opq']);
  });
});

describe('buildImage', () => {
  it('gives blobs whose digests match their content and a manifest and config that reference them', async () => {
    const image = await buildImage({
      layers: [
        { files: FILES, compression: 'gzip', createdBy: 'COPY . /' },
        { files: [{ path: 'b', content: 'b' }], compression: 'zstd' },
        { files: [{ path: 'c', content: 'c' }], compression: 'none' },
      ],
      config: { User: 'app', Env: ['PATH=/usr/bin'], Cmd: ['/usr/bin/tool'] },
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      emptyLayerHistory: [
        { createdBy: 'ENV PATH=/usr/bin', afterLayer: 0 },
        { createdBy: 'USER app', afterLayer: 2 },
      ],
      annotations: { 'org.opencontainers.image.source': 'https://example.test/repo' },
    });
    expectBlob(image.manifest);
    expectBlob(image.config);
    for (const layer of image.layers) expectBlob(layer);

    expect(image.manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(image.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    expect(image.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+zstd',
      'application/vnd.oci.image.layer.v1.tar',
    ]);

    const manifest = JSON.parse(image.manifest.data.toString()) as Record<string, unknown>;
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: image.config.mediaType, digest: image.config.digest, size: image.config.size },
      layers: image.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      annotations: { 'org.opencontainers.image.source': 'https://example.test/repo' },
    });

    const config = JSON.parse(image.config.data.toString()) as Record<string, unknown>;
    expect(config).toEqual(image.configJson);
    expect(config).toMatchObject({
      architecture: 'arm64',
      os: 'linux',
      variant: 'v8',
      config: { User: 'app', Env: ['PATH=/usr/bin'], Cmd: ['/usr/bin/tool'] },
      rootfs: { type: 'layers', diff_ids: image.layers.map((l) => l.diffId) },
    });
    expect(image.configJson.history!.map((h) => [h.created_by, h.empty_layer ?? false])).toEqual([
      ['COPY . /', false],
      ['ENV PATH=/usr/bin', true],
      ['ADD files in /', false],
      ['ADD files in /', false],
      ['USER app', true],
    ]);
    expect(image.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  });

  it('compresses layers so they decompress to the tar whose sha256 is the diffId', async () => {
    const files: FileSpec[] = [{ path: 'etc/os-release', content: 'ID=test\n' }];
    const tar = await tarLayer(files);
    const image = await buildImage({
      layers: [
        { files, compression: 'gzip' },
        { files, compression: 'zstd' },
        { files, compression: 'none' },
      ],
    });
    const [gz, zst, plain] = image.layers;
    expect(gunzipSync(gz.data)).toEqual(tar);
    expect(decompress(zst.data)).toEqual(tar);
    expect(plain.data).toEqual(tar);
    for (const layer of image.layers) {
      expect(layer.diffId).toBe(sha256(tar));
      expect(layer.uncompressedSize).toBe(tar.length);
    }
    expect(gz.data.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(zst.data.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
  });

  it('uses Docker schema2 media types with format docker', async () => {
    const image = await buildImage({
      format: 'docker',
      layers: [
        { files: [{ path: 'a', content: 'a' }] },
        { files: [{ path: 'b', content: 'b' }], compression: 'zstd' },
        { files: [{ path: 'c', content: 'c' }], compression: 'none' },
      ],
    });
    expect(image.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(JSON.parse(image.manifest.data.toString())).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json' },
    });
    expect(image.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(image.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
      'application/vnd.docker.image.rootfs.diff.tar.zstd',
      'application/vnd.docker.image.rootfs.diff.tar',
    ]);
    expect(image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
  });

  it('is reproducible: the same spec gives the same digests', async () => {
    const spec = () => ({
      layers: [
        { files: FILES, compression: 'gzip' as const },
        { files: FILES, compression: 'zstd' as const },
      ],
      config: { User: '1000' },
    });
    const a = await buildImage(spec());
    const b = await buildImage(spec());
    expect(b.manifest.digest).toBe(a.manifest.digest);
    expect(b.config.digest).toBe(a.config.digest);
    expect(b.layers.map((l) => l.digest)).toEqual(a.layers.map((l) => l.digest));
    const c = await buildImage({ ...spec(), created: '2025-05-05T00:00:00Z' });
    expect(c.config.digest).not.toBe(a.config.digest);
  });

  it('refuses empty-layer history placed after a layer that does not exist', async () => {
    await expect(
      buildImage({ layers: [{ files: [] }], emptyLayerHistory: [{ createdBy: 'USER x', afterLayer: 3 }] }),
    ).rejects.toThrow(/afterLayer 3/);
  });
});

describe('buildIndex', () => {
  it('lists each image with its platform and adds BuildKit attestation manifests on request', async () => {
    const amd = await buildImage({ layers: [{ files: [{ path: 'a', content: 'amd' }] }] });
    const arm = await buildImage({
      layers: [{ files: [{ path: 'a', content: 'arm' }] }],
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    const built = await buildIndex([amd, arm], { attestation: true });
    expectBlob(built.index);
    expect(built.index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(built.attestations).toHaveLength(2);

    const index = JSON.parse(built.index.data.toString()) as {
      mediaType: string;
      manifests: Array<{ digest: string; platform: unknown; annotations?: Record<string, string> }>;
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.digest)).toEqual([
      amd.manifest.digest,
      arm.manifest.digest,
      built.attestations[0].manifest.digest,
      built.attestations[1].manifest.digest,
    ]);
    expect(index.manifests[1].platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(index.manifests[0].annotations).toBeUndefined();
    for (const [i, image] of [amd, arm].entries()) {
      const att = index.manifests[2 + i];
      expect(att.platform).toEqual({ os: 'unknown', architecture: 'unknown' });
      expect(att.annotations).toEqual({
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': image.manifest.digest,
      });
      const attImage = built.attestations[i];
      expectBlob(attImage.manifest);
      expectBlob(attImage.config);
      expect(attImage.manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(attImage.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
      expect(attImage.layers).toHaveLength(1);
      expectBlob(attImage.layers[0]);
      expect(attImage.layers[0].mediaType).toBe('application/vnd.in-toto+json');
      const statement = JSON.parse(attImage.layers[0].data.toString()) as {
        _type: string;
        subject: Array<{ digest: { sha256: string } }>;
      };
      expect(statement._type).toMatch(/in-toto\.io\/Statement/);
      expect(`sha256:${statement.subject[0].digest.sha256}`).toBe(image.manifest.digest);
    }
  });

  it('writes a Docker manifest list with format docker and no attestations by default', async () => {
    const image = await buildImage({ format: 'docker', layers: [{ files: [{ path: 'a', content: 'a' }] }] });
    const built = await buildIndex([image], { format: 'docker' });
    expect(built.index.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(built.attestations).toEqual([]);
    expect(JSON.parse(built.index.data.toString())).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: image.manifest.digest,
          size: image.manifest.size,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    });
  });
});

describe('writeDockerArchive and writeOciLayout', () => {
  let dir: { path: string; remove(): Promise<void> };
  beforeAll(async () => {
    dir = await tempDir('image-builder-');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('writes a docker save archive with uncompressed layers that skopeo accepts', async () => {
    const image = await buildImage({
      format: 'docker',
      layers: [
        { files: [{ path: 'etc/a', content: 'a' }], compression: 'gzip' },
        { files: [{ path: 'etc/b', content: 'b' }], compression: 'zstd' },
      ],
      config: { Cmd: ['/bin/true'] },
    });
    const file = join(dir.path, 'save.tar');
    await writeDockerArchive(file, image, ['localhost:5000/team/app:1.0']);

    const items = await readTar(createReadStream(file));
    const files = new Map(items.filter((i) => i.header.type === 'file').map((i) => [i.header.name, i.data]));
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Array<{
      Config: string;
      RepoTags: string[];
      Layers: string[];
    }>;
    expect(manifest).toHaveLength(1);
    expect(manifest[0].Config).toBe(`${image.config.digest.slice(7)}.json`);
    expect(manifest[0].RepoTags).toEqual(['localhost:5000/team/app:1.0']);
    expect(files.get(manifest[0].Config)).toEqual(image.config.data);
    expect(manifest[0].Layers).toHaveLength(2);
    manifest[0].Layers.forEach((layerPath, i) => {
      expect(layerPath).toMatch(/^[0-9a-f]{64}\/layer\.tar$/);
      expect(sha256(files.get(layerPath)!)).toBe(image.layers[i].diffId);
      const id = layerPath.split('/')[0];
      expect(files.get(`${id}/VERSION`)!.toString()).toBe('1.0');
      expect(JSON.parse(files.get(`${id}/json`)!.toString())).toMatchObject({ id });
    });
    const top = manifest[0].Layers[1].split('/')[0];
    expect(JSON.parse(files.get('repositories')!.toString())).toEqual({
      'localhost:5000/team/app': { '1.0': top },
    });

    const { stdout } = await run('skopeo', ['inspect', `docker-archive:${file}`]);
    const inspected = JSON.parse(stdout) as { Digest: string; Layers: string[]; Architecture: string };
    expect(inspected.Architecture).toBe('amd64');
    expect(inspected.Layers).toEqual(image.layers.map((l) => l.diffId));
    const { stdout: rawConfig } = await run('skopeo', [
      'inspect',
      '--config',
      '--raw',
      `docker-archive:${file}`,
    ]);
    expect(sha256(Buffer.from(rawConfig))).toBe(image.config.digest);
  });

  it('writes an untagged docker archive with RepoTags null and no repositories file', async () => {
    const image = await buildImage({ layers: [{ files: [{ path: 'a', content: 'a' }] }] });
    const file = join(dir.path, 'untagged.tar');
    await writeDockerArchive(file, image);
    const items = await readTar(createReadStream(file));
    const names = items.map((i) => i.header.name);
    expect(names).not.toContain('repositories');
    const manifest = JSON.parse(
      items.find((i) => i.header.name === 'manifest.json')!.data.toString(),
    ) as Array<{
      RepoTags: unknown;
    }>;
    expect(manifest[0].RepoTags).toBeNull();
    await run('skopeo', ['inspect', `docker-archive:${file}`]);
  });

  it('writes an OCI layout directory for an image that skopeo reads and copies', async () => {
    const image = await buildImage({
      layers: [
        { files: [{ path: 'etc/a', content: 'a' }], compression: 'gzip' },
        { files: [{ path: 'etc/b', content: 'b' }], compression: 'zstd' },
      ],
    });
    const layout = join(dir.path, 'oci-image');
    await writeOciLayout(layout, image, { refName: 'v1' });

    expect(JSON.parse(await readFile(join(layout, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string; mediaType: string; annotations?: Record<string, string> }>;
    };
    expect(index.manifests).toEqual([
      {
        mediaType: image.manifest.mediaType,
        digest: image.manifest.digest,
        size: image.manifest.size,
        annotations: { 'org.opencontainers.image.ref.name': 'v1' },
      },
    ]);
    const blobs = (await readdir(join(layout, 'blobs', 'sha256'))).sort();
    const expected = [image.manifest, image.config, ...image.layers].map((b) => b.digest.slice(7)).sort();
    expect(blobs).toEqual(expected);
    for (const hex of blobs)
      expect(sha256(await readFile(join(layout, 'blobs', 'sha256', hex)))).toBe(`sha256:${hex}`);

    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${layout}:v1`]);
    expect(stdout).toBe(image.manifest.data.toString());
    const out = join(dir.path, 'copied-image');
    await run('skopeo', ['copy', '--insecure-policy', `oci:${layout}:v1`, `dir:${out}`]);
    expect(await readFile(join(out, 'manifest.json'))).toEqual(image.manifest.data);
  });

  it('writes an OCI layout for an index, as a directory and as a tar, that skopeo copies whole', async () => {
    const images = await Promise.all(
      ['amd64', 'arm64'].map((architecture) =>
        buildImage({
          layers: [{ files: [{ path: 'arch', content: architecture }] }],
          platform: { os: 'linux', architecture },
        }),
      ),
    );
    const built = await buildIndex(images, { attestation: true });
    const layout = join(dir.path, 'oci-index');
    await writeOciLayout(layout, built);
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string; annotations?: unknown }>;
    };
    expect(index.manifests.map((m) => m.digest)).toEqual([built.index.digest]);
    expect(index.manifests[0].annotations).toBeUndefined();
    const blobCount = (await readdir(join(layout, 'blobs', 'sha256'))).length;
    // index + 2 × (manifest, config, layer) + 2 × (attestation manifest, config, statement)
    expect(blobCount).toBe(13);

    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${layout}`]);
    expect(stdout).toBe(built.index.data.toString());
    const out = join(dir.path, 'copied-index');
    await run('skopeo', ['copy', '--insecure-policy', '--all', `oci:${layout}`, `dir:${out}`]);
    expect(await readFile(join(out, 'manifest.json'))).toEqual(built.index.data);

    const archive = join(dir.path, 'oci-index.tar');
    await writeOciLayout(archive, built, { tar: true, refName: 'latest' });
    const items = await readTar(createReadStream(archive));
    const names = items.map((i) => i.header.name);
    expect(names.slice(0, 2)).toEqual(['oci-layout', 'index.json']);
    expect(
      names.filter((n) => n.startsWith('blobs/sha256/') && n.length > 'blobs/sha256/'.length),
    ).toHaveLength(13);
    const { stdout: fromTar } = await run('skopeo', ['inspect', '--raw', `oci-archive:${archive}:latest`]);
    expect(fromTar).toBe(built.index.data.toString());
    const { stdout: child } = await run('skopeo', [
      'inspect',
      '--override-arch',
      'arm64',
      `oci-archive:${archive}:latest`,
    ]);
    // skopeo reports the index digest but the chosen child's architecture and layer blobs.
    const chosen = JSON.parse(child) as { Digest: string; Architecture: string; Layers: string[] };
    expect(chosen.Digest).toBe(built.index.digest);
    expect(chosen.Architecture).toBe('arm64');
    expect(chosen.Layers).toEqual([images[1].layers[0].digest]);
  });
});

/** A docker-registry on a free port with filesystem storage in a temp dir. */
async function startLocalRegistry(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await tempDir('image-builder-registry-');
  const port = await freePort();
  const configFile = join(dir.path, 'config.yml');
  await writeFile(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir.path, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start /usr/bin/docker-registry: ${err.message}`))),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await dir.remove();
  };
  try {
    await Promise.race([
      spawnError,
      waitFor(
        `docker-registry on ${url} (stderr: ${stderr})`,
        async () => (await fetch(`${url}/v2/`)).status === 200,
        20_000,
      ),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

/**
 * An HTTP proxy in front of the registry that demands auth as real registries do: either Basic,
 * or a Bearer token fetched from its own `/token` realm with Basic credentials.
 */
async function startAuthProxy(
  upstream: string,
  scheme: 'basic' | 'bearer',
): Promise<{ url: string; log: string[]; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const basic = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
  const log: string[] = [];
  const issued = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '/';
    if (path.startsWith('/token')) {
      const scope = new URL(path, url).searchParams.get('scope');
      log.push(`token ${scope}`);
      if (req.headers.authorization !== basic) {
        res.writeHead(401).end('bad credentials');
        return;
      }
      const token = `tok-${issued.size}`;
      issued.add(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    const ok = scheme === 'basic' ? auth === basic : issued.has(auth.replace(/^Bearer /, ''));
    if (!ok) {
      log.push(`401 ${req.method} ${path}`);
      const challenge =
        scheme === 'basic'
          ? 'Basic realm="test"'
          : `Bearer realm="${url}/token",service="test-registry",scope="repository:x:pull"`;
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && !['host', 'authorization', 'connection'].includes(k)) headers[k] = v;
    }
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const up = await fetch(`${upstream}${path}`, { method: req.method, headers, body, redirect: 'manual' });
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection')
        out[k] = v.replace(upstream, url);
    });
    const data = Buffer.from(await up.arrayBuffer());
    res.writeHead(up.status, out).end(data);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => res.writeHead(502).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url, log, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('pushImage', () => {
  let registry: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    registry = await startLocalRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  async function getManifest(base: string, repo: string, ref: string, accept: string): Promise<Response> {
    return fetch(`${base}/v2/${repo}/manifests/${ref}`, { headers: { accept } });
  }

  it('pushes an image under a tag and the registry serves the same bytes', async () => {
    const image = await buildImage({
      layers: [
        { files: [{ path: 'etc/a', content: 'a' }] },
        { files: [{ path: 'etc/b', content: 'b' }], compression: 'zstd' },
      ],
    });
    const result = await pushImage({ url: registry.url, repository: 'team/app', tag: '1.0' }, image);
    expect(result.digest).toBe(image.manifest.digest);

    const res = await getManifest(registry.url, 'team/app', '1.0', image.manifest.mediaType);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(image.manifest.data);
    for (const blob of [image.config, ...image.layers]) {
      const b = await fetch(`${registry.url}/v2/team/app/blobs/${blob.digest}`);
      expect(Buffer.from(await b.arrayBuffer())).toEqual(blob.data);
    }

    // A second push finds every blob present and still succeeds.
    await pushImage({ url: registry.url, repository: 'team/app', tag: '1.0' }, image);
  });

  it('pushes an image by digest when no tag is given', async () => {
    const image = await buildImage({
      format: 'docker',
      layers: [{ files: [{ path: 'x', content: 'by-digest' }] }],
    });
    const { digest } = await pushImage({ url: registry.url, repository: 'team/untagged' }, image);
    const res = await getManifest(registry.url, 'team/untagged', digest, image.manifest.mediaType);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(image.manifest.data);
  });

  it('pushes an index with attestations, children before the index', async () => {
    const images = await Promise.all(
      ['amd64', 'arm64'].map((architecture) =>
        buildImage({
          layers: [{ files: [{ path: 'arch', content: architecture }] }],
          platform: { os: 'linux', architecture },
        }),
      ),
    );
    const built = await buildIndex(images, { attestation: true });
    const { digest } = await pushImage({ url: registry.url, repository: 'team/multi', tag: 'latest' }, built);
    expect(digest).toBe(built.index.digest);
    const res = await getManifest(registry.url, 'team/multi', 'latest', built.index.mediaType);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(built.index.data);
    for (const child of [...built.images, ...built.attestations]) {
      const c = await getManifest(
        registry.url,
        'team/multi',
        child.manifest.digest,
        child.manifest.mediaType,
      );
      expect(Buffer.from(await c.arrayBuffer())).toEqual(child.manifest.data);
    }
  });

  for (const scheme of ['basic', 'bearer'] as const) {
    it(`authenticates with ${scheme} auth when challenged`, async () => {
      const proxy = await startAuthProxy(registry.url, scheme);
      try {
        const image = await buildImage({ layers: [{ files: [{ path: 'auth', content: scheme }] }] });
        const target = { url: proxy.url, repository: 'team/secure', tag: scheme };
        await expect(pushImage(target, image)).rejects.toThrow(/401/);
        await pushImage({ ...target, auth: { username: 'alice', password: 's3cret' } }, image);
        if (scheme === 'bearer') expect(proxy.log).toContain('token repository:team/secure:pull,push');
        const res = await getManifest(registry.url, 'team/secure', scheme, image.manifest.mediaType);
        expect(Buffer.from(await res.arrayBuffer())).toEqual(image.manifest.data);

        await expect(
          pushImage({ ...target, auth: { username: 'alice', password: 'wrong' } }, image),
        ).rejects.toThrow(/401/);
      } finally {
        await proxy.stop();
      }
    });
  }

  it('reports the status and body when the registry refuses a manifest', async () => {
    const image = await buildImage({ layers: [{ files: [{ path: 'a', content: 'a' }] }] });
    const bogus = {
      ...image,
      manifest: { ...image.manifest, data: Buffer.from('{"schemaVersion":2,"layers":"nope"}') },
    };
    await expect(pushImage({ url: registry.url, repository: 'team/bad', tag: 'x' }, bogus)).rejects.toThrow(
      /push manifest .* answered 400 .*MANIFEST_INVALID/,
    );
  });
});
