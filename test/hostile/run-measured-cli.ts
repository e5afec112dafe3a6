import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { REPO_ROOT } from '../support/run-cli.js';

const WRAPPER = fileURLToPath(new URL('./measured-cli.mjs', import.meta.url));
/** More output than any report of these images; a runaway writer is cut off, not buffered. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

export interface MeasuredRun {
  /** Exit code, or null when the run was killed at its deadline. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS of the CLI process in MiB, or null when it never reached its exit handler. */
  rssMb: number | null;
  seconds: number;
  timedOut: boolean;
}

function collect(stream: NodeJS.ReadableStream): () => string {
  const chunks: Buffer[] = [];
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    if (bytes >= MAX_OUTPUT_BYTES) return;
    chunks.push(chunk);
    bytes += chunk.length;
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs the real CLI (bin/pushgate.js, through test/hostile/measured-cli.mjs) in a child process
 * from the repository root; kills it with SIGKILL at `maxSeconds`.
 */
export async function runMeasuredCli(
  args: string[],
  options: { env?: Record<string, string>; maxSeconds: number; rssFile: string },
): Promise<MeasuredRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [WRAPPER, options.rssFile, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.maxSeconds * 1000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  });
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  let rssMb: number | null = null;
  try {
    const kib = Number((await readFile(options.rssFile, 'utf8')).trim());
    if (Number.isFinite(kib) && kib > 0) rssMb = kib / 1024;
  } catch {
    rssMb = null;
  }
  return { code: timedOut ? null : code, stdout: stdout(), stderr: stderr(), rssMb, seconds, timedOut };
}

export function rssFileIn(dir: string): string {
  return join(dir, 'cli-peak-rss.kib');
}
