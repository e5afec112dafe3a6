import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliResult } from './run-cli.js';
import { REPO_ROOT } from './run-cli.js';
import { tempDir } from './temp-dir.js';

const ENTRY = fileURLToPath(new URL('./cli-from-source.ts', import.meta.url));
const RECORDER = fileURLToPath(new URL('./record-loaded-modules.mjs', import.meta.url));

export interface LoadedModules {
  result: CliResult;
  /** Every module file the process loaded (ES modules and CommonJS), as paths or URLs. */
  files: string[];
  /** The npm packages among them, by name (`express`, `@bull-board/api`). */
  packages: Set<string>;
}

/**
 * Runs `pushgate ARGS` from the sources in a child process and lists what it loaded, through
 * record-loaded-modules.mjs: tests of what a command does not load (start-up cost) read this.
 */
export async function runCliLoadedModules(args: string[]): Promise<LoadedModules> {
  const dir = await tempDir('pushgate-loaded-modules-');
  try {
    const list = join(dir.path, 'modules.txt');
    const result = await new Promise<CliResult>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--import', RECORDER, ENTRY, ...args],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, PUSHGATE_RECORD_LOADED_MODULES: list },
          maxBuffer: 64 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
    const files = [...new Set((await readFile(list, 'utf8')).split('\n').filter((line) => line !== ''))];
    const packages = new Set(
      files.flatMap((file) =>
        [...file.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((match) => match[1]),
      ),
    );
    return { result, files, packages };
  } finally {
    await dir.remove();
  }
}
