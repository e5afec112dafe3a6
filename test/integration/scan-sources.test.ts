import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts, type PlatformFacts } from '../../src/facts/gather-facts.js';
import type { ImageFacts } from '../../src/facts/image-facts.js';
import { MemoryLayerCache } from '../../src/facts/layer-cache.js';
import { openImageSource } from '../../src/image/open-image-source.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { expectValidFacts } from '../support/facts-schema.js';
import { buildImage, pushImage, type BuiltImage } from '../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const LONG_NAME = `opt/${'deep/'.repeat(30)}file-with-a-long-name.txt`;

/** An image exercising what differs between sources: three layers, links, a deletion, a long name. */
function buildFixture(): Promise<BuiltImage> {
  return buildImage({
    format: 'oci',
    layers: [
      {
        createdBy: 'ADD rootfs.tar /',
        files: [
          { path: 'etc', type: 'dir' },
          {
            path: 'etc/os-release',
            content: 'ID=alpine\nVERSION_ID=3.20.0\nPRETTY_NAME="Alpine Linux v3.20"\n',
          },
          { path: 'bin', type: 'dir' },
          { path: 'bin/busybox', content: Buffer.alloc(4096, 7), mode: 0o755 },
          { path: 'bin/sh', type: 'symlink', target: '/bin/busybox' },
          { path: 'bin/ash', type: 'hardlink', target: 'bin/busybox' },
          { path: LONG_NAME, content: 'long\n' },
        ],
      },
      {
        createdBy: 'RUN make build',
        // Docker 20.10 cannot pull zstd layers; zstd is covered by the registry and CLI tests.
        compression: 'gzip',
        files: [
          { path: 'app', type: 'dir' },
          { path: 'app/secret.key', content: 'not really a key\n' },
          { path: 'app/main', content: Buffer.alloc(10_000, 1), mode: 0o755 },
        ],
      },
      {
        createdBy: 'RUN rm /app/secret.key',
        compression: 'none',
        files: [{ path: 'app/secret.key', type: 'whiteout' }],
      },
    ],
    emptyLayerHistory: [{ createdBy: 'USER 65532', afterLayer: 2 }],
    config: { User: '65532', Env: ['PATH=/bin', 'API_TOKEN=tok-Zq8wPjVv'], Entrypoint: ['/app/main'] },
  });
}

/** Facts without what necessarily differs between sources (names, blob digests, compression). */
function comparable(facts: ImageFacts): unknown {
  const {
    reference: _r,
    source: _s,
    manifestDigest: _m,
    indexDigest: _i,
    annotations: _a,
    ...image
  } = facts.image;
  // Evidence names the blob digest, which depends on the source's compression.
  const withoutBlobDigests = JSON.parse(
    JSON.stringify(facts, (key, value: unknown) => (key === 'layerDigest' ? undefined : value)),
  ) as ImageFacts;
  return {
    ...withoutBlobDigests,
    image,
    layers: facts.layers.map(({ digest: _d, mediaType: _t, compressedSize: _c, ...layer }) => layer),
    totals: { ...facts.totals, compressedSize: 0 },
  };
}

describe('the same image read from every source', () => {
  let registry: TestRegistry;
  let dockerd: Dockerd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: BuiltImage;
  const facts = new Map<string, PlatformFacts>();

  const scan = async (reference: string): Promise<PlatformFacts> => {
    const source = await openImageSource(reference, { plainHttp: true, dockerSocket: dockerd.socketPath });
    try {
      const resolved = await source.resolve();
      const [result] = await gatherFacts(resolved, { cache: new MemoryLayerCache() });
      expect(resolved.platforms).toHaveLength(1);
      return result;
    } finally {
      await source.close();
    }
  };

  beforeAll(async () => {
    [registry, dockerd, dir] = await Promise.all([startRegistry(), startDockerd(), tempDir()]);
    image = await buildFixture();
    await pushImage({ url: registry.url, repository: 'team/app', tag: '1.0' }, image);
    const ref = `${registry.host}/team/app:1.0`;
    facts.set('registry', await scan(ref));
    // 127.0.0.0/8 registries are plain-HTTP "insecure" registries for the engine by default.
    await dockerd.cli(['pull', ref]);
    facts.set('docker', await scan(`docker://${ref}`));
    const archive = join(dir.path, 'app.tar');
    await dockerd.cli(['save', '-o', archive, ref]);
    facts.set('docker-archive', await scan(`docker-archive:${archive}`));
    const layout = join(dir.path, 'layout');
    await run('skopeo', [
      '--insecure-policy',
      'copy',
      '--src-tls-verify=false',
      `docker://${ref}`,
      `oci:${layout}:1.0`,
    ]);
    facts.set('oci', await scan(`oci:${layout}:1.0`));
  });

  afterAll(async () => {
    await Promise.allSettled([registry?.stop(), dockerd?.stop(), dir?.remove()]);
  });

  it('gives schema-valid facts from each source', () => {
    expect([...facts.keys()]).toEqual(['registry', 'docker', 'docker-archive', 'oci']);
    for (const [, result] of facts) expectValidFacts(result.facts);
  });

  it('gives the same facts from the registry, the engine, a docker save archive and an OCI layout', () => {
    const expected = comparable(facts.get('registry')!.facts);
    for (const source of ['docker', 'docker-archive', 'oci']) {
      expect(comparable(facts.get(source)!.facts), source).toEqual(expected);
    }
  });

  it('identifies the image by its config digest everywhere', () => {
    for (const [, result] of facts) expect(result.facts.image.configDigest).toBe(image.config.digest);
    expect(facts.get('registry')!.manifestDigest).toBe(image.manifest.digest);
    // The engine records the pushed manifest's digest in RepoDigests after a pull.
    expect(facts.get('docker')!.manifestDigest).toBe(image.manifest.digest);
  });

  it('reports what the image holds', () => {
    const f = facts.get('registry')!.facts;
    expect(f.image.platform).toBe('linux/amd64');
    expect(f.config.user).toBe('65532');
    expect(f.config.env).toEqual(['PATH', 'API_TOKEN']);
    expect(JSON.stringify(f)).not.toContain('tok-Zq8wPjVv');
    expect(f.os).toEqual({
      id: 'alpine',
      versionId: '3.20.0',
      prettyName: 'Alpine Linux v3.20',
      evidence: {
        kind: 'file',
        path: '/etc/os-release',
        layer: 0,
        layerDigest: f.layers[0].digest,
        createdBy: 'ADD rootfs.tar /',
        state: 'present',
      },
    });
    expect(f.history.map((h) => [h.createdBy, h.layerIndex])).toEqual([
      ['ADD rootfs.tar /', 0],
      ['RUN make build', 1],
      ['RUN rm /app/secret.key', 2],
      ['USER 65532', null],
    ]);
    expect(f.layers.map((l) => l.createdBy)).toEqual([
      'ADD rootfs.tar /',
      'RUN make build',
      'RUN rm /app/secret.key',
    ]);
    expect(f.layers.map((l) => l.diffId)).toEqual(image.layers.map((l) => l.diffId));
    expect(f.layers.map((l) => l.uncompressedSize)).toEqual(image.layers.map((l) => l.uncompressedSize));
    expect(f.layers[2].bytesRemoved).toBe('not really a key\n'.length);
    expect(f.totals.wastedBytes).toBe('not really a key\n'.length);
    expect(f.layers[2].mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    // os-release, busybox, sh, ash, the long-named file, app/main: the deleted key is gone.
    expect(f.totals.fileCount).toBe(6);
  });
});
