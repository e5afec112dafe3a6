import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './run-cli.js';

/**
 * Runs `body` in a fresh node process (TypeScript through tsx) after importing `exports` from the
 * repository file `file` (a path from the repository root), e.g. to see what a module leaves behind
 * when its process exits.
 */
export function runModuleScript(file: string, exports: string[], body: string[]): SpawnSyncReturns<string> {
  const source = pathToFileURL(join(REPO_ROOT, file)).href;
  const script = [`const { ${exports.join(', ')} } = await import(${JSON.stringify(source)});`, ...body].join(
    '\n',
  );
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
}
