import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerFromEnvironment, run, type DockerCli, type Log } from './docker-cli.js';
import { ensureStandIns, STAND_IN_REPOSITORY } from './stand-ins.js';

/**
 * `npm run image`: builds pushgate's image (the Dockerfile at the root) as `pushgate:dev` in a
 * local Docker engine. The Dockerfile's default bases are used when the engine has them or can
 * pull them; otherwise local stand-ins are built (./stand-ins.ts). Tests call
 * `ensurePushgateImage` with `keepInCache`: the built image is saved under a hash of everything
 * that goes into it, so one CI run builds it once and every later test engine only loads it.
 */

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEFAULT_BUILD_BASE = 'node:20-bookworm-slim';
export const DEFAULT_RUNTIME_BASE = 'gcr.io/distroless/nodejs20-debian12:nonroot';

/** What the Dockerfile copies (mirrors .dockerignore's allow-list): the image's content hash. */
const INPUT_FILES = [
  'Dockerfile',
  '.dockerignore',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];
const INPUT_DIRS = ['src', 'workers', 'bin', 'policies'];
const IGNORED = (path: string): boolean =>
  /^policies\/[^/]+\/tests\//.test(path) || path.endsWith('.test.ts');
/** Cached app images kept besides the newest: each is a few hundred MB. */
const KEEP_CACHED_IMAGES = 2;

export interface BuildImageOptions {
  docker: DockerCli;
  tag?: string;
  /** Where stand-ins and cached images live (default: $PUSHGATE_IMAGE_CACHE or ~/.cache/pushgate-image). */
  cacheDir?: string;
  /** Base images; default: the Dockerfile's defaults when present or pullable, else the stand-ins. */
  buildBase?: string;
  runtimeBase?: string;
  /** Save the built image in the cache dir under its content hash, and load it from there. */
  keepInCache?: boolean;
  log?: Log;
}

export interface BuiltPushgateImage {
  tag: string;
  /** `pushgate:<content hash>`: the same inputs give the same tag. */
  hashTag: string;
  buildBase: string;
  runtimeBase: string;
  /** How the image got into the engine. */
  how: 'present' | 'loaded' | 'built';
  seconds: number;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return env.PUSHGATE_IMAGE_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pushgate-image');
}

async function imageId(docker: DockerCli, tag: string): Promise<string | undefined> {
  try {
    return (await docker(['image', 'inspect', '--format', '{{.Id}}', tag])).stdout.trim();
  } catch {
    return undefined;
  }
}

/** Present in the engine, or pulled now; false when it cannot be had (no network, no registry). */
async function havePullable(docker: DockerCli, image: string, log: Log): Promise<boolean> {
  if (await imageId(docker, image)) return true;
  try {
    await docker(['pull', '--quiet', image]);
    return true;
  } catch (error) {
    log(`cannot pull ${image}: ${(error as Error).message.split('\n').pop()}`);
    return false;
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** sha256 of the build context the Dockerfile reads and of the two bases' image ids. */
export async function contentHash(bases: { build: string; runtime: string }): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(bases));
  const files = [...INPUT_FILES.map((f) => join(REPO_ROOT, f))];
  for (const dir of INPUT_DIRS) files.push(...(await filesUnder(join(REPO_ROOT, dir))));
  for (const file of files
    .map((f) => relative(REPO_ROOT, f))
    .filter((f) => !IGNORED(f))
    .sort()) {
    hash.update(`${file}\0`);
    hash.update(await readFile(join(REPO_ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Drops all but the newest cached app images (by name order of mtime). */
async function pruneCachedImages(cacheDir: string, keep: string): Promise<void> {
  const images = (await readdir(cacheDir)).filter((f) => /^pushgate-[0-9a-f]+\.tar$/.test(f) && f !== keep);
  const dated = await Promise.all(
    images.map(async (f) => ({ f, t: (await stat(join(cacheDir, f))).mtimeMs })),
  );
  dated.sort((a, b) => b.t - a.t);
  for (const { f } of dated.slice(KEEP_CACHED_IMAGES - 1)) await rm(join(cacheDir, f), { force: true });
}

/** Builds (or finds, or loads) pushgate's image and tags it `tag` (default `pushgate:dev`). */
export async function ensurePushgateImage(options: BuildImageOptions): Promise<BuiltPushgateImage> {
  const started = Date.now();
  const { docker } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`pushgate image: ${line}\n`));
  const tag = options.tag ?? 'pushgate:dev';
  const cacheDir = options.cacheDir ?? defaultCacheDir(process.env);
  let buildBase = options.buildBase;
  let runtimeBase = options.runtimeBase;
  const needBuild = !buildBase && !(await havePullable(docker, DEFAULT_BUILD_BASE, log));
  const needRuntime = !runtimeBase && !(await havePullable(docker, DEFAULT_RUNTIME_BASE, log));
  const standIns = async (load: boolean): Promise<void> => {
    if (!needBuild && !needRuntime) return;
    if (load) log('building or importing local stand-ins for the bases that cannot be pulled');
    const tags = await ensureStandIns({ docker, cacheDir, log, load });
    if (needBuild) buildBase = tags.buildBase;
    if (needRuntime) runtimeBase = tags.runtimeBase;
  };
  await standIns(false);
  buildBase ??= DEFAULT_BUILD_BASE;
  runtimeBase ??= DEFAULT_RUNTIME_BASE;
  // A pulled base is known by its image id (content-addressed). A stand-in by its tag, which
  // names the hash of its content: each `docker import` of the same tar makes a new image id.
  const baseKey = async (image: string): Promise<string> =>
    image.startsWith(`${STAND_IN_REPOSITORY}/`) ? image : ((await imageId(docker, image)) ?? image);
  const bases = { build: await baseKey(buildBase), runtime: await baseKey(runtimeBase) };
  const hash = (await contentHash(bases)).slice(0, 16);
  const hashTag = `pushgate:${hash}`;
  const chosen = { buildBase, runtimeBase };
  const result = (how: BuiltPushgateImage['how']): BuiltPushgateImage => ({
    tag,
    hashTag,
    ...chosen,
    how,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  });

  if (await imageId(docker, hashTag)) {
    await docker(['tag', hashTag, tag]);
    return result('present');
  }
  const cached = join(cacheDir, `pushgate-${hash}.tar`);
  if (options.keepInCache && existsSync(cached)) {
    log(`docker load ${cached}`);
    await docker(['load', '--quiet', '--input', cached]);
    await docker(['tag', hashTag, tag]);
    return result('loaded');
  }

  await standIns(true);
  log(`docker build (build base ${buildBase}, runtime base ${runtimeBase})`);
  const args = ['build', '--network', 'host', '--build-arg', `BUILD_BASE=${buildBase}`];
  args.push('--build-arg', `RUNTIME_BASE=${runtimeBase}`, '--tag', hashTag, '--tag', tag, REPO_ROOT);
  await docker(args);
  if (options.keepInCache) {
    await mkdir(cacheDir, { recursive: true });
    await docker(['save', '--output', `${cached}.partial`, hashTag]);
    await rename(`${cached}.partial`, cached);
    await pruneCachedImages(cacheDir, `pushgate-${hash}.tar`);
  }
  return result('built');
}

/** Whether this docker CLI has buildx (BuildKit); without it, DOCKER_BUILDKIT=0 picks the legacy builder. */
async function hasBuildx(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await run('docker', ['buildx', 'version'], { env });
    return true;
  } catch {
    return false;
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      [
        'Usage: npm run image [-- --tag NAME] [--build-base IMAGE] [--runtime-base IMAGE] [--cache]',
        '',
        'Builds pushgate:dev from the Dockerfile in the Docker engine DOCKER_HOST names (else the default socket).',
        `Bases default to ${DEFAULT_BUILD_BASE} and ${DEFAULT_RUNTIME_BASE}; when they cannot be pulled, local`,
        `stand-ins are built and cached in $PUSHGATE_IMAGE_CACHE (default ~/.cache/pushgate-image).`,
        '--cache also saves the image there under a hash of its inputs and loads it from there next time.',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const env = { ...process.env };
  if (!(await hasBuildx(env))) env.DOCKER_BUILDKIT = '0';
  const docker = dockerFromEnvironment(env, true);
  try {
    await docker(['version', '--format', '{{.Server.Version}}']);
  } catch (error) {
    process.stderr.write(
      `pushgate image: no Docker engine answers (${(error as Error).message.split('\n').pop()}); start one or set DOCKER_HOST\n`,
    );
    return 1;
  }
  const buildBase = value('--build-base');
  const runtimeBase = value('--runtime-base');
  const built = await ensurePushgateImage({
    docker,
    tag: value('--tag') ?? 'pushgate:dev',
    keepInCache: argv.includes('--cache'),
    ...(buildBase ? { buildBase } : {}),
    ...(runtimeBase ? { runtimeBase } : {}),
  });
  const size = (await docker(['image', 'inspect', '--format', '{{.Size}}', built.tag])).stdout.trim();
  process.stderr.write(
    `pushgate image: ${built.tag} (${built.hashTag}) ${built.how} in ${built.seconds} s; ` +
      `${(Number(size) / 1e6).toFixed(0)} MB; bases ${built.buildBase}, ${built.runtimeBase}\n`,
  );
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`pushgate image: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
