import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../../src/oci/reference.js';
import { RegistrySource } from '../../src/image/registry-source.js';
import { RegistryReader } from '../../src/registry/registry-reader.js';
import { buildImage, buildIndex, type BuiltImage, type BuiltIndex } from '../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushBuilt, pushManifest } from '../support/registry-push.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('RegistrySource (real registry)', () => {
  let registry: TestRegistry;
  let client: RegistryReader;
  let amd64: BuiltImage;
  let arm64: BuiltImage;
  let index: BuiltIndex;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    client = new RegistryReader({
      registry: registry.host,
      plainHttp: true,
      credentials: { username: registry.username ?? '', password: registry.password ?? '' },
    });
    amd64 = await buildImage({
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [
        { files: [{ path: 'etc/os-release', content: 'ID=test\n' }] },
        {
          files: [{ path: 'app/run.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755 }],
          compression: 'zstd',
        },
      ],
      config: { User: 'app', Env: ['A=1'] },
      annotations: { 'org.opencontainers.image.title': 'amd64 build' },
    });
    arm64 = await buildImage({
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      layers: [{ files: [{ path: 'etc/os-release', content: 'ID=test-arm\n' }] }],
    });
    index = await buildIndex([amd64, arm64], { attestation: true });
    await pushBuilt(registry, 'team/multi', 'v1', index);
    await pushBuilt(registry, 'team/single', 'v1', amd64);
    const docker = await buildImage({
      format: 'docker',
      layers: [{ files: [{ path: 'bin/tool', content: 'x' }], compression: 'none' }],
    });
    await pushBuilt(registry, 'team/docker', 'v1', await buildIndex([docker], { format: 'docker' }));
  });

  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  function source(text: string): RegistrySource {
    return new RegistrySource(parseReference(text), client);
  }

  it('reads every platform of an index and counts attestation manifests as skipped', async () => {
    const resolved = await source(`${registry.host}/team/multi:v1`).resolve();
    expect(resolved.source).toBe('registry');
    expect(resolved.reference).toBe(`${registry.host}/team/multi:v1`);
    expect(resolved.indexDigest).toBe(index.index.digest);
    expect(resolved.skipped).toEqual({ attestations: 2, otherPlatforms: 0, unknownManifests: 0 });
    expect(resolved.platforms.map((p) => p.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    const [first] = resolved.platforms;
    expect(first.manifestDigest).toBe(amd64.manifest.digest);
    expect(first.manifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(first.annotations).toEqual({ 'org.opencontainers.image.title': 'amd64 build' });
    expect(first.configDigest).toBe(amd64.config.digest);
    expect(first.config.config?.User).toBe('app');
    expect(first.layers.map((l) => l.descriptor.digest)).toEqual(amd64.layers.map((l) => l.digest));
    expect(first.layers.map((l) => l.diffId)).toEqual(amd64.layers.map((l) => l.diffId));
    expect(first.layers[1].descriptor.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    for (const [i, layer] of amd64.layers.entries()) {
      expect((await readAll(await first.openLayer(i))).equals(layer.data)).toBe(true);
    }
    await expect(first.openLayer(5)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('picks one platform with a filter and counts the others', async () => {
    const resolved = await source(`${registry.host}/team/multi:v1`).resolve({
      os: 'linux',
      architecture: 'arm64',
    });
    expect(resolved.platforms.map((p) => p.manifestDigest)).toEqual([arm64.manifest.digest]);
    expect(resolved.skipped).toEqual({ attestations: 2, otherPlatforms: 1, unknownManifests: 0 });
  });

  it('says which platforms exist when the filter matches none', async () => {
    await expect(
      source(`${registry.host}/team/multi:v1`).resolve({ os: 'linux', architecture: 's390x' }),
    ).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: expect.stringContaining('available: linux/amd64, linux/arm64/v8'),
    });
    await expect(
      source(`${registry.host}/team/single:v1`).resolve({ os: 'linux', architecture: 'arm64' }),
    ).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: expect.stringContaining('available: linux/amd64'),
    });
  });

  it('reads a single image by digest reference, and Docker manifest lists', async () => {
    const single = await source(`${registry.host}/team/single@${amd64.manifest.digest}`).resolve();
    expect(single.indexDigest).toBeUndefined();
    expect(single.platforms).toHaveLength(1);
    expect(single.platforms[0].manifestDigest).toBe(amd64.manifest.digest);
    const docker = await source(`${registry.host}/team/docker:v1`).resolve({
      os: 'linux',
      architecture: 'amd64',
    });
    expect(docker.platforms[0].manifestMediaType).toBe(
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    expect((await readAll(await docker.platforms[0].openLayer(0))).length).toBe(
      docker.platforms[0].layers[0].descriptor.size,
    );
  });

  it('verifies each image manifest against its index descriptor', async () => {
    const lying = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: amd64.manifest.mediaType,
          digest: amd64.manifest.digest,
          size: amd64.manifest.size + 1,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    };
    await pushManifest(
      registry,
      'team/multi',
      'lying',
      JSON.stringify(lying),
      'application/vnd.oci.image.index.v1+json',
    );
    await expect(source(`${registry.host}/team/multi:lying`).resolve()).rejects.toMatchObject({
      code: 'SIZE_MISMATCH',
    });
  });

  it('fails clearly for a missing tag', async () => {
    await expect(source(`${registry.host}/team/multi:nope`).resolve()).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
      message: expect.stringContaining(`${registry.host}/team/multi:nope`),
    });
  });
});
