import { execFileSync } from 'node:child_process';

/**
 * Runs an ES module script (TypeScript imports allowed, through tsx) in a `node --jitless` child,
 * where WebAssembly is off, and returns what it printed: how the secrets engine's fallbacks are
 * tested.
 */
export function runJitless(script: string): string {
  return execFileSync(
    process.execPath,
    ['--jitless', '--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
}
