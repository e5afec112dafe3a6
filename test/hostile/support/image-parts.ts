/** Image contents and writers the cases share. */
import { join } from 'node:path';

import {
  buildImage,
  writeDockerArchive,
  writeOciLayout,
  type FileSpec,
  type ImageSpec,
} from '../../support/image-builder.js';
import { fakeElf, pseudoRandom } from '../../support/seed-images.js';

/** An AWS key pair assembled at run time (fixtures must not hold anything that looks committed). */
export function awsCredentials(seed: string): string {
  const id = `AKIA${pseudoRandom(`${seed}:id`, 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
  const secret = pseudoRandom(`${seed}:secret`, 40);
  return `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`;
}

/** What every default policy for prod/** rejects: a C compiler and an AWS key. */
export function gccAndAwsKey(seed: string): FileSpec[] {
  return [
    { path: 'usr/bin/gcc', content: fakeElf('gcc'), mode: 0o755 },
    { path: 'root/.aws/credentials', content: awsCredentials(seed), mode: 0o600 },
  ];
}

/** A harmless one-file layer for cases that are about the config or the manifest. */
export const TINY_LAYER: FileSpec[] = [{ path: 'etc/hostname', content: 'hostile\n' }];

/** Builds `spec` and writes it as a `docker save` archive in `dir`; returns the file. */
export async function archiveOf(
  dir: string,
  spec: ImageSpec,
  repoTags: string[] = [],
  name = 'image.tar',
): Promise<string> {
  const file = join(dir, name);
  await writeDockerArchive(file, await buildImage(spec), repoTags);
  return file;
}

/** Builds `spec` and writes it as an OCI layout directory in `dir`; returns the directory. */
export async function layoutOf(dir: string, spec: ImageSpec, name = 'layout'): Promise<string> {
  const target = join(dir, name);
  await writeOciLayout(target, await buildImage(spec));
  return target;
}
