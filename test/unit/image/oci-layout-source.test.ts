import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { OciLayoutSource } from '../../../src/image/oci-layout-source.js';
import {
  buildImage,
  buildIndex,
  writeOciLayout,
  type BuiltImage,
  type BuiltIndex,
} from '../../support/image-builder.js';
import { tempDir } from '../../support/temp-dir.js';
import { expectLayersVerify, rejection } from '../../support/expect-image.js';

const run = promisify(execFile);
const hex = (digest: string): string => digest.slice('sha256:'.length);

describe('OciLayoutSource', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let single: BuiltImage;
  let amd64: BuiltImage;
  let arm64: BuiltImage;
  let multi: BuiltIndex;

  beforeAll(async () => {
    dir = await tempDir('pushgate-oci-');
    single = await buildImage({
      layers: [
        { files: [{ path: 'bin/tool', content: 'ELF', mode: 0o755 }], compression: 'gzip' },
        { files: [{ path: 'etc/conf', content: 'a=1' }], compression: 'zstd' },
        { files: [{ path: 'data/raw', content: 'raw' }], compression: 'none' },
      ],
      config: { User: '1000' },
      annotations: { 'org.opencontainers.image.source': 'https://example.test/app' },
    });
    amd64 = await buildImage({
      layers: [{ files: [{ path: 'arch', content: 'amd64' }] }],
      platform: { os: 'linux', architecture: 'amd64' },
    });
    arm64 = await buildImage({
      layers: [{ files: [{ path: 'arch', content: 'arm64' }] }],
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    multi = await buildIndex([amd64, arm64], { attestation: true });
  });

  afterAll(async () => {
    await dir.remove();
  });

  for (const tar of [false, true]) {
    it(`reads a single-image layout ${tar ? 'tar' : 'directory'} with verified blobs`, async () => {
      const target = join(dir.path, tar ? 'single.tar' : 'single');
      await writeOciLayout(target, single, { tar, refName: 'v1' });
      const source = new OciLayoutSource(target);
      expect(source.kind).toBe('oci');
      const resolved = await source.resolve();
      expect(resolved.source).toBe('oci');
      expect(resolved.reference).toBe(`oci:${target}`);
      expect(resolved.indexDigest).toBeUndefined();
      expect(resolved.skipped).toEqual({ attestations: 0, otherPlatforms: 0, unknownManifests: 0 });
      const [image] = resolved.platforms;
      expect(image.manifestDigest).toBe(single.manifest.digest);
      expect(image.manifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(image.annotations).toEqual({ 'org.opencontainers.image.source': 'https://example.test/app' });
      expect(image.configDigest).toBe(single.config.digest);
      expect(image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
      expect(image.config.config?.User).toBe('1000');
      expect(image.layers).toEqual(
        single.layers.map((l) => ({
          descriptor: { mediaType: l.mediaType, digest: l.digest, size: l.size },
          diffId: l.diffId,
        })),
      );
      await expectLayersVerify(image);
      const byRef = await new OciLayoutSource(target, { refName: 'v1' }).resolve();
      expect(byRef.reference).toBe(`oci:${target}:v1`);
      expect(byRef.platforms[0].configDigest).toBe(single.config.digest);
      await source.close();
    });

    it(`reads every platform of a multi-platform layout ${tar ? 'tar' : 'directory'}, skipping attestations`, async () => {
      const target = join(dir.path, tar ? 'multi.tar' : 'multi');
      await writeOciLayout(target, multi, { tar });
      const resolved = await new OciLayoutSource(target).resolve();
      expect(resolved.indexDigest).toBe(multi.index.digest);
      expect(resolved.skipped).toEqual({ attestations: 2, otherPlatforms: 0, unknownManifests: 0 });
      expect(resolved.platforms.map((p) => p.platform)).toEqual([
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ]);
      expect(resolved.platforms.map((p) => p.manifestDigest)).toEqual([
        amd64.manifest.digest,
        arm64.manifest.digest,
      ]);
      for (const p of resolved.platforms) await expectLayersVerify(p);

      const arm = await new OciLayoutSource(target).resolve({ os: 'linux', architecture: 'arm64' });
      expect(arm.platforms.map((p) => p.configDigest)).toEqual([arm64.config.digest]);
      expect(arm.skipped).toEqual({ attestations: 2, otherPlatforms: 1, unknownManifests: 0 });

      const none = await rejection(
        new OciLayoutSource(target).resolve({ os: 'windows', architecture: 'amd64' }),
      );
      expect(none.code).toBe('PLATFORM_NOT_FOUND');
      expect(none.message).toBe(
        `oci:${target} has no image for windows/amd64; available: linux/amd64, linux/arm64/v8`,
      );
    });
  }

  it('reads an index.json that lists platform manifests directly, with an attestation', async () => {
    const target = join(dir.path, 'flat');
    await writeOciLayout(target, multi);
    const index = JSON.parse(multi.index.data.toString()) as Record<string, unknown>;
    await writeFile(join(target, 'index.json'), JSON.stringify(index));
    const resolved = await new OciLayoutSource(target).resolve();
    expect(resolved.indexDigest).toBeUndefined();
    expect(resolved.platforms).toHaveLength(2);
    expect(resolved.skipped.attestations).toBe(2);
  });

  it('asks to choose when index.json names several images, and lists names for an unknown ref', async () => {
    const target = join(dir.path, 'two-refs');
    await writeOciLayout(target, multi);
    await writeOciLayout(join(dir.path, 'two-refs-single'), single);
    // Merge `single` into the same layout under another name.
    for (const blob of [single.manifest, single.config, ...single.layers]) {
      await writeFile(join(target, 'blobs', 'sha256', hex(blob.digest)), blob.data);
    }
    await writeFile(
      join(target, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: multi.index.mediaType,
            digest: multi.index.digest,
            size: multi.index.size,
            annotations: { 'org.opencontainers.image.ref.name': 'multi' },
          },
          {
            mediaType: single.manifest.mediaType,
            digest: single.manifest.digest,
            size: single.manifest.size,
            annotations: { 'org.opencontainers.image.ref.name': 'single' },
          },
        ],
      }),
    );
    const ambiguous = await rejection(new OciLayoutSource(target).resolve());
    expect(ambiguous.code).toBe('ARCHIVE_INVALID');
    expect(ambiguous.message).toBe(
      `oci:${target} holds several images (multi, single); pick one with oci:${target}:NAME`,
    );
    const picked = await new OciLayoutSource(target, { refName: 'single' }).resolve();
    expect(picked.platforms.map((p) => p.configDigest)).toEqual([single.config.digest]);
    const pickedMulti = await new OciLayoutSource(target, { refName: 'multi' }).resolve();
    expect(pickedMulti.indexDigest).toBe(multi.index.digest);
    const unknown = await rejection(new OciLayoutSource(target, { refName: 'nope' }).resolve());
    expect(unknown.code).toBe('ARCHIVE_INVALID');
    expect(unknown.message).toContain('no image named "nope"');
    expect(unknown.message).toContain('it holds: multi, single');
  });

  describe('malformed layouts', () => {
    it('refuses a config whose bytes do not match its digest', async () => {
      const target = join(dir.path, 'bad-config');
      await writeOciLayout(target, single);
      const path = join(target, 'blobs', 'sha256', hex(single.config.digest));
      const bytes = await readFile(path);
      bytes[bytes.indexOf('amd64')] = 'A'.charCodeAt(0);
      await writeFile(path, bytes);
      const err = await rejection(new OciLayoutSource(target).resolve());
      expect(err.code).toBe('DIGEST_MISMATCH');
      expect(err.message).toMatch(
        new RegExp(
          `^${target}: config blobs/sha256/${hex(single.config.digest)} has digest sha256:[a-f0-9]{64}, expected ${single.config.digest}$`,
        ),
      );
    });

    it('refuses a manifest whose bytes do not match its digest, in a tar too', async () => {
      const source = join(dir.path, 'bad-manifest');
      await writeOciLayout(source, single);
      const path = join(source, 'blobs', 'sha256', hex(single.manifest.digest));
      const bytes = await readFile(path);
      bytes[bytes.length - 2] = ' '.charCodeAt(0);
      await writeFile(path, bytes);
      const err = await rejection(new OciLayoutSource(source).resolve());
      expect(err.code).toBe('DIGEST_MISMATCH');
      expect(err.message).toContain(`manifest blobs/sha256/${hex(single.manifest.digest)} has digest`);
      // GNU tar of the directory: entries named `./blobs/…`.
      const tarFile = join(dir.path, 'bad-manifest.tar');
      await run('tar', ['-cf', tarFile, '-C', source, '.']);
      const fromTar = await rejection(new OciLayoutSource(tarFile).resolve());
      expect(fromTar.code).toBe('DIGEST_MISMATCH');
      expect(fromTar.message).toContain(
        `${tarFile}: manifest blobs/sha256/${hex(single.manifest.digest)} has digest`,
      );
    });

    it('refuses a missing layer blob and a layer of the wrong size', async () => {
      const target = join(dir.path, 'missing-layer');
      await writeOciLayout(target, single);
      const layerPath = join(target, 'blobs', 'sha256', hex(single.layers[1].digest));
      await writeFile(layerPath, Buffer.concat([single.layers[1].data, Buffer.from('x')]));
      const size = await rejection(new OciLayoutSource(target).resolve());
      expect(size.code).toBe('SIZE_MISMATCH');
      expect(size.message).toContain(
        `layer 1 (${single.layers[1].digest}) is ${single.layers[1].size + 1} bytes`,
      );
      await rm(layerPath);
      const missing = await rejection(new OciLayoutSource(target).resolve());
      expect(missing.code).toBe('ARCHIVE_INVALID');
      expect(missing.message).toBe(
        `${target}: layer 1 (${single.layers[1].digest}) of manifest ${single.manifest.digest} is missing (blobs/sha256/${hex(single.layers[1].digest)})`,
      );
    });

    it('refuses a missing manifest blob, a missing oci-layout, a wrong layout version and a bad index.json', async () => {
      const target = join(dir.path, 'broken');
      await writeOciLayout(target, single);
      await rm(join(target, 'blobs', 'sha256', hex(single.manifest.digest)));
      const manifest = await rejection(new OciLayoutSource(target).resolve());
      expect(manifest.code).toBe('ARCHIVE_INVALID');
      expect(manifest.message).toContain(`manifest ${single.manifest.digest} is missing`);

      await writeFile(join(target, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
      const version = await rejection(new OciLayoutSource(target).resolve());
      expect(version.code).toBe('ARCHIVE_INVALID');
      expect(version.message).toBe(`${target}: unsupported imageLayoutVersion "2.0.0" (pushgate reads 1.x)`);

      await rm(join(target, 'oci-layout'));
      const layout = await rejection(new OciLayoutSource(target).resolve());
      expect(layout.code).toBe('ARCHIVE_INVALID');
      expect(layout.message).toContain(`${target} is not an OCI image layout (no oci-layout file)`);

      await writeFile(join(target, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      await writeFile(join(target, 'index.json'), '{"schemaVersion":2,"manifests":[{"mediaType":"x"}]}');
      const index = await rejection(new OciLayoutSource(target).resolve());
      expect(index.code).toBe('MANIFEST_INVALID');
      expect(index.message).toContain(`${target}: index.json: manifests[0].digest is not a digest`);
    });

    it('reads a repeated nested index once, and refuses a layout with too many distinct indexes', async () => {
      const target = join(dir.path, 'fan-out');
      await writeOciLayout(target, amd64);
      let n = 0;
      const blob = async (
        manifests: unknown[],
      ): Promise<{ mediaType: string; digest: string; size: number }> => {
        // The annotation makes every index a distinct blob.
        const data = Buffer.from(
          JSON.stringify({ schemaVersion: 2, manifests, annotations: { n: String(n++) } }),
        );
        const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
        await writeFile(join(target, 'blobs', 'sha256', hex(digest)), data);
        return { mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: data.length };
      };
      const image = {
        mediaType: amd64.manifest.mediaType,
        digest: amd64.manifest.digest,
        size: amd64.manifest.size,
      };
      const inner = await blob(Array.from({ length: 8 }, () => image));
      const repeated = await blob(Array.from({ length: 200 }, () => inner));
      await writeFile(
        join(target, 'index.json'),
        JSON.stringify({ schemaVersion: 2, manifests: [repeated] }),
      );
      const once = await new OciLayoutSource(target).resolve();
      expect(once.platforms.map((p) => p.manifestDigest)).toEqual([amd64.manifest.digest]);

      const mids = [];
      for (let i = 0; i < 210; i++)
        mids.push(await blob(await Promise.all(Array.from({ length: 5 }, () => blob([])))));
      await writeFile(
        join(target, 'index.json'),
        JSON.stringify({ schemaVersion: 2, manifests: [await blob(mids)] }),
      );
      const err = await rejection(new OciLayoutSource(target).resolve());
      expect(err.code).toBe('MANIFEST_INVALID');
      expect(err.message).toBe(`${target}: more than 1024 manifests and indexes to read; refusing`);
    });

    it('refuses a layout path that does not exist and a layout whose only manifest is an attestation', async () => {
      const missing = join(dir.path, 'nowhere');
      const err = await rejection(new OciLayoutSource(missing).resolve());
      expect(err.code).toBe('ARCHIVE_INVALID');
      expect(err.message).toContain(`cannot read ${missing}`);

      const target = join(dir.path, 'only-attestation');
      await writeOciLayout(target, multi);
      const att = multi.attestations[0];
      await writeFile(
        join(target, 'index.json'),
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: att.manifest.mediaType,
              digest: att.manifest.digest,
              size: att.manifest.size,
              annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
            },
          ],
        }),
      );
      const none = await rejection(new OciLayoutSource(target).resolve());
      expect(none.code).toBe('ARCHIVE_INVALID');
      expect(none.message).toBe(
        `oci:${target} holds no image manifest (skipped 1 attestations, 0 other manifests)`,
      );
    });
  });
});
