import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCAN_NODE_FLAGS, scanProcessEnv, threadSafeExecArgv } from '../../src/node-flags.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

describe('the options of scanning processes (src/node-flags.ts)', () => {
  it('gives two malloc arenas unless the environment says otherwise', () => {
    expect(scanProcessEnv({ A: '1' })).toEqual({ A: '1', MALLOC_ARENA_MAX: '2' });
    expect(scanProcessEnv({ MALLOC_ARENA_MAX: '8' }).MALLOC_ARENA_MAX).toBe('8');
  });

  it('leaves them (and --inspect) out of what a worker thread gets', () => {
    expect(
      threadSafeExecArgv([...SCAN_NODE_FLAGS, '--inspect=9229', '--import', 'tsx', '--enable-source-maps']),
    ).toEqual(['--import', 'tsx', '--enable-source-maps']);
  });

  it('in a process started with them, a thread takes threadSafeExecArgv() and layer threads read as this thread does', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        ...SCAN_NODE_FLAGS,
        '--enable-source-maps',
        '--import',
        'tsx',
        join(ROOT, 'test/support/threads-under-node-flags.ts'),
      ],
      { cwd: ROOT },
    );
    const result = JSON.parse(stdout) as {
      execArgv: string[];
      threadExecArgv: string[];
      same: boolean;
      secrets: number;
    };
    expect(result.execArgv).toEqual(expect.arrayContaining([...SCAN_NODE_FLAGS, '--enable-source-maps']));
    // The thread was started with the process's other options, not with none (the pool's fallback).
    expect(result.threadExecArgv).toContain('--enable-source-maps');
    for (const flag of SCAN_NODE_FLAGS) expect(result.threadExecArgv).not.toContain(flag);
    expect(result.same).toBe(true);
    expect(result.secrets).toBe(1);
  });
});
