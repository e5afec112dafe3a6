import { spawn } from 'node:child_process';

/** Runs the `docker` CLI against one engine; rejects with its stderr when it exits non-zero. */
export type DockerCli = (
  args: string[],
  options?: { cwd?: string },
) => Promise<{ stdout: string; stderr: string }>;

/** What the image tools print while they work (progress, timings). */
export type Log = (line: string) => void;

/**
 * The `docker` CLI of this machine against the engine the environment names (DOCKER_HOST, else the
 * default socket). `echo` copies the CLI's output to stderr as it comes: `docker build` runs for
 * minutes, and a silent terminal looks hung.
 */
export function dockerFromEnvironment(env: NodeJS.ProcessEnv, echo: boolean): DockerCli {
  const slow = new Set(['build', 'import', 'load', 'save']);
  return (args, options = {}) =>
    run('docker', args, {
      env,
      echo: echo && slow.has(args[0]),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
}

/** Runs a program; resolves with its output, rejects with the tail of stderr on a non-zero exit. */
export function run(
  program: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; echo?: boolean; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (options.echo) process.stderr.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-64 * 1024);
      if (options.echo) process.stderr.write(chunk);
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${program} ${args.join(' ')}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-20).join('\n');
        reject(new Error(`${program} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${tail}`));
      }
    });
  });
}
