import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PushgateConfig } from '../src/config/types.js';
import { PushgateError } from '../src/errors.js';

/**
 * The parent worker hands its validated configuration to sandboxed processors through a file
 * readable by its own user only (0600 in a 0700 directory), named in this variable. The child then
 * works from exactly what the parent validated (file, environment overrides, a local Redis started
 * by `pushgate start`), and credentials stay out of every process's environment.
 */
export const RESOLVED_CONFIG_ENV = 'PUSHGATE_RESOLVED_CONFIG_FILE';

export interface ResolvedConfigFile {
  path: string;
  remove(): void;
}

export function writeResolvedConfig(config: PushgateConfig): ResolvedConfigFile {
  const dir = mkdtempSync(join(tmpdir(), 'pushgate-worker-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  // It holds credentials: gone when the process exits, even by process.exit (a second Ctrl-C).
  const remove = (): void => {
    process.off('exit', remove);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  return { path, remove };
}

export function readResolvedConfig(env: NodeJS.ProcessEnv): PushgateConfig {
  const path = env[RESOLVED_CONFIG_ENV];
  if (!path) {
    throw new PushgateError(
      'CONFIG_INVALID',
      `${RESOLVED_CONFIG_ENV} is not set: the inspect processor must be started by \`pushgate worker\``,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as PushgateConfig;
}
