import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PushgateConfig } from '../../../src/config/types.js';
import {
  readResolvedConfig,
  RESOLVED_CONFIG_ENV,
  writeResolvedConfig,
} from '../../../workers/worker-config.js';
import { runModuleScript } from '../../support/run-module-script.js';

/** The resolved configuration a worker hands its sandboxes holds credentials: it must not outlive the worker. */
describe('the resolved configuration file', () => {
  const config = { redis: { url: 'redis://:secret@127.0.0.1:6379' } } as unknown as PushgateConfig;

  it('is readable by its owner only, read back whole, and gone after remove()', () => {
    const resolved = writeResolvedConfig(config);
    try {
      expect(statSync(resolved.path).mode & 0o777).toBe(0o600);
      expect(readResolvedConfig({ [RESOLVED_CONFIG_ENV]: resolved.path })).toEqual(config);
    } finally {
      resolved.remove();
    }
    expect(existsSync(resolved.path)).toBe(false);
  });

  it('is removed when the process exits without removing it (a second Ctrl-C)', () => {
    const run = runModuleScript(
      'workers/worker-config.ts',
      ['writeResolvedConfig'],
      [`console.log(writeResolvedConfig(${JSON.stringify(config)}).path);`, 'process.exit(130);'],
    );
    expect(run.status, run.stderr).toBe(130);
    const path = run.stdout.trim();
    expect(path).toMatch(/config\.json$/);
    expect(existsSync(path)).toBe(false);
  });
});
