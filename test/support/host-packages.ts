import { existsSync } from 'node:fs';
import { lstat, readFile, readlink } from 'node:fs/promises';
import type { FileSpec } from './image-builder.js';

const INFO = '/var/lib/dpkg/info';

/** The dpkg info name of an installed package (`golang-go:amd64` for arch-qualified ones). */
function infoName(pkg: string): string {
  if (existsSync(`${INFO}/${pkg}.list`)) return pkg;
  for (const arch of ['amd64', 'arm64', 'all'])
    if (existsSync(`${INFO}/${pkg}:${arch}.list`)) return `${pkg}:${arch}`;
  throw new Error(`package ${pkg} is not installed on this machine (the CI script installs it)`);
}

/** The `status` stanza dpkg keeps for an installed package on this machine. */
async function statusStanza(pkg: string): Promise<string> {
  const status = await readFile('/var/lib/dpkg/status', 'utf8');
  const stanza = status.split('\n\n').find((s) => s.startsWith(`Package: ${pkg}\n`));
  if (stanza === undefined) throw new Error(`no dpkg status stanza for ${pkg}`);
  return `${stanza}\n`;
}

/**
 * A layer's files as `apt-get install` of installed Debian packages would write them: every file
 * and symlink the packages list (read from this machine's disk), their dpkg `.list` and `.md5sums`
 * files, and a `status` database with their stanzas (plus `extraStatus`). Real vendor content
 * with real checksums, without a network or a base image to pull.
 */
export async function hostPackageFiles(packages: readonly string[]): Promise<FileSpec[]> {
  const files: FileSpec[] = [];
  const stanzas: string[] = [];
  for (const pkg of packages) {
    const info = infoName(pkg);
    const list = await readFile(`${INFO}/${info}.list`, 'utf8');
    for (const path of list.split('\n')) {
      if (path === '' || path === '/.') continue;
      const stat = await lstat(path).catch(() => undefined);
      if (stat === undefined || stat.isDirectory()) continue;
      if (stat.isSymbolicLink()) files.push({ path, type: 'symlink', target: await readlink(path) });
      else if (stat.isFile()) files.push({ path, content: await readFile(path), mode: stat.mode & 0o7777 });
    }
    files.push({ path: `${INFO}/${info}.list`, content: list });
    if (existsSync(`${INFO}/${info}.md5sums`)) {
      files.push({ path: `${INFO}/${info}.md5sums`, content: await readFile(`${INFO}/${info}.md5sums`) });
    }
    stanzas.push(await statusStanza(pkg));
  }
  files.push({ path: '/var/lib/dpkg/status', content: stanzas.join('\n') });
  return files;
}
