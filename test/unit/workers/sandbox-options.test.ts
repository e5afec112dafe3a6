import { describe, expect, it } from 'vitest';
import { SCAN_NODE_FLAGS } from '../../../src/node-flags.js';
import { sandboxOptions } from '../../../workers/sandbox-options.js';

describe('how BullMQ starts the inspector sandboxes', () => {
  const env = { PUSHGATE_RESOLVED_CONFIG: '/tmp/x.json' };
  const argv = ['--import', 'tsx', '--inspect=9229'];

  it('forks scanning processes: V8 options added, two malloc arenas, the configuration passed on', () => {
    const options = sandboxOptions('process', env, argv);
    expect(options.useWorkerThreads).toBe(false);
    expect(options.workerForkOptions).toEqual({
      env: { ...env, MALLOC_ARENA_MAX: '2' },
      execArgv: ['--import', 'tsx', ...SCAN_NODE_FLAGS],
    });
  });

  it('gives a thread sandbox no V8 option, even when this process was started with them', () => {
    const options = sandboxOptions('thread', env, [...SCAN_NODE_FLAGS, ...argv]);
    expect(options.useWorkerThreads).toBe(true);
    expect(options.workerThreadsOptions).toEqual({ env, execArgv: ['--import', 'tsx'] });
  });
});
