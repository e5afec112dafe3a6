import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DockerArchiveSource } from '../../../src/image/docker-archive-source.js';
import { engineNames } from '../../../src/image/docker-engine-source.js';
import { parseImageName } from '../../../src/image/image-names.js';
import { OciLayoutSource } from '../../../src/image/oci-layout-source.js';
import type { ImageName } from '../../../src/image/types.js';
import {
  buildImage,
  writeDockerArchive,
  writeOciLayout,
  type BuiltImage,
} from '../../support/image-builder.js';
import { tempDir } from '../../support/temp-dir.js';

/** Names without their references, for short expectations. */
const bare = (names: ImageName[] | undefined): Array<Omit<ImageName, 'reference'>> =>
  (names ?? []).map(({ reference: _r, ...name }) => name);

describe('parseImageName', () => {
  it('reads references as Docker does, and a name without / or : as a tag alone', () => {
    expect(parseImageName('prod/app:1', 'r')).toEqual({
      text: 'prod/app:1',
      reference: 'r',
      registry: '',
      repository: 'prod/app',
      tag: '1',
    });
    expect(parseImageName('registry.example.com/prod/app:1', 'r')).toMatchObject({
      registry: 'registry.example.com',
      repository: 'prod/app',
      tag: '1',
    });
    expect(parseImageName('localhost/app', 'r')).toMatchObject({
      registry: 'localhost',
      repository: 'app',
      tag: 'latest',
    });
    expect(parseImageName('app:2', 'r')).toMatchObject({ registry: '', repository: 'library/app', tag: '2' });
    expect(parseImageName(`prod/app@sha256:${'a'.repeat(64)}`, 'r')).toEqual({
      text: `prod/app@sha256:${'a'.repeat(64)}`,
      reference: 'r',
      registry: '',
      repository: 'prod/app',
    });
    // image-spec annotations.md: a layout's ref name may be a tag alone; it names no repository.
    expect(parseImageName('1.0', 'r', { refName: true })).toEqual({
      text: '1.0',
      reference: 'r',
      registry: '',
      tag: '1.0',
    });
    expect(parseImageName('prod/app:1', 'r', { refName: true })).toMatchObject({ repository: 'prod/app' });
    // Anywhere else a bare name is a repository, as in Docker.
    expect(parseImageName('nginx', 'r')).toMatchObject({ repository: 'library/nginx', tag: 'latest' });
  });

  it('gives nothing for the untagged placeholder, an empty name or one that is no reference', () => {
    expect(parseImageName('<none>:<none>', 'r')).toBeUndefined();
    expect(parseImageName('', 'r')).toBeUndefined();
    expect(parseImageName('Prod/App:1', 'r')).toBeUndefined();
    expect(parseImageName('prod/app:\u001b[32m', 'r')).toBeUndefined();
  });
});

describe('engineNames', () => {
  const id = `sha256:3f2a${'0'.repeat(60)}`;

  it('takes the name asked for, even when the engine knows others', () => {
    expect(
      bare(engineNames('dev/app:1', { Id: id, RepoTags: ['prod/app:1', 'dev/app:1'] }, 'docker://dev/app:1')),
    ).toEqual([{ text: 'dev/app:1', registry: '', repository: 'dev/app', tag: '1' }]);
  });

  it("takes every engine tag for an image asked by id, skipping Docker's untagged placeholder", () => {
    for (const asked of ['3f2a00', id, id.slice('sha256:'.length)]) {
      const names = engineNames(
        asked,
        { Id: id, RepoTags: ['prod/app:1', 'dev/app:1', '<none>:<none>', 'prod/app:1'] },
        `docker://${asked}`,
      );
      expect(names.map((n) => [n.text, n.reference])).toEqual([
        ['prod/app:1', 'docker://prod/app:1'],
        ['dev/app:1', 'docker://dev/app:1'],
      ]);
    }
    expect(engineNames('3f2a', { Id: id, RepoTags: [] }, 'docker://3f2a')).toEqual([]);
  });

  it('reads a hex-looking name that is one of the tags as that name', () => {
    expect(
      bare(engineNames('3f2a', { Id: id, RepoTags: ['3f2a:latest', 'prod/app:1'] }, 'docker://3f2a')),
    ).toEqual([{ text: '3f2a', registry: '', repository: 'library/3f2a', tag: 'latest' }]);
  });

  it('refuses an engine tag it cannot read rather than judge the image without it', () => {
    expect(() => engineNames('3f2a', { Id: id, RepoTags: ['Prod/App:1'] }, 'docker://3f2a')).toThrow(
      expect.objectContaining({ code: 'DOCKER_ENGINE' }),
    );
  });
});

describe('names read by the archive and layout sources', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: BuiltImage;
  const path = (name: string): string => join(dir.path, name);

  beforeAll(async () => {
    dir = await tempDir('pushgate-names-');
    image = await buildImage({ layers: [{ files: [{ path: 'a', content: 'a' }] }] });
  });

  afterAll(async () => {
    await dir.remove();
  });

  it('docker-archive: every RepoTags entry, or only the one the selector names', async () => {
    const file = path('two.tar');
    await writeDockerArchive(file, image, ['prod/app:1', 'registry.example.com/dev/app:2']);
    const all = await new DockerArchiveSource(file).resolve();
    expect(all.names).toEqual([
      {
        text: 'prod/app:1',
        reference: `docker-archive:${file}:prod/app:1`,
        registry: '',
        repository: 'prod/app',
        tag: '1',
      },
      {
        text: 'registry.example.com/dev/app:2',
        reference: `docker-archive:${file}:registry.example.com/dev/app:2`,
        registry: 'registry.example.com',
        repository: 'dev/app',
        tag: '2',
      },
    ]);
    expect((await new DockerArchiveSource(file, { image: '@0' }).resolve()).names).toEqual(all.names);
    const selected = await new DockerArchiveSource(file, { image: 'prod/app:1' }).resolve();
    expect(selected.names).toEqual([
      {
        text: 'prod/app:1',
        reference: `docker-archive:${file}:prod/app:1`,
        registry: '',
        repository: 'prod/app',
        tag: '1',
      },
    ]);
    await writeDockerArchive(path('none.tar'), image);
    expect((await new DockerArchiveSource(path('none.tar')).resolve()).names).toEqual([]);
  });

  it('docker-archive: a RepoTags entry that is no image name is refused (exit 3), escaped', async () => {
    const file = path('hostile.tar');
    await writeDockerArchive(file, image, ['Prod/App:1\u001b[2J']);
    await expect(new DockerArchiveSource(file).resolve()).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: expect.stringContaining('RepoTags entry "Prod/App:1\\x1b[2J" is not an image name'),
    });
  });

  it('oci: the ref name (a reference or a tag alone) and io.containerd.image.name, both when both are there', async () => {
    await writeOciLayout(path('full'), image, { refName: 'prod/app:1' });
    expect((await new OciLayoutSource(path('full')).resolve()).names).toEqual([
      {
        text: 'prod/app:1',
        reference: `oci:${path('full')}:prod/app:1`,
        registry: '',
        repository: 'prod/app',
        tag: '1',
      },
    ]);
    await writeOciLayout(path('tag'), image, { refName: '1.0' });
    expect((await new OciLayoutSource(path('tag'), { refName: '1.0' }).resolve()).names).toEqual([
      { text: '1.0', reference: `oci:${path('tag')}:1.0`, registry: '', tag: '1.0' },
    ]);
    await writeOciLayout(path('containerd'), image, {
      refName: '1',
      annotations: { 'io.containerd.image.name': 'docker.io/prod/app:1' },
    });
    expect(bare((await new OciLayoutSource(path('containerd')).resolve()).names)).toEqual([
      { text: '1', registry: '', tag: '1' },
      { text: 'docker.io/prod/app:1', registry: 'docker.io', repository: 'prod/app', tag: '1' },
    ]);
    // Both names count: a second annotation cannot steer the image out of a policy's scope.
    await writeOciLayout(path('steer'), image, {
      refName: 'prod/app:1',
      annotations: { 'io.containerd.image.name': 'dev/app:1' },
    });
    expect(
      bare((await new OciLayoutSource(path('steer'), { refName: 'prod/app:1' }).resolve()).names).map(
        (n) => n.text,
      ),
    ).toEqual(['prod/app:1', 'dev/app:1']);
    await writeOciLayout(path('unnamed'), image);
    expect((await new OciLayoutSource(path('unnamed')).resolve()).names).toEqual([]);
    await writeOciLayout(path('bad'), image, { refName: 'prod/App:1' });
    await expect(new OciLayoutSource(path('bad')).resolve()).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
    });
  });
});
