import { describe, expect, it } from 'vitest';
import { SCAN_NODE_FLAGS } from '../../../src/node-flags.js';
import { sandboxOptions } from '../../../workers/sandbox-options.js';

describe('how BullMQ starts the inspector sandboxes', () => {
  const env = { PUSHGATE_RESOLVED_CONFIG: '/tmp/x.json' };

  it('forks with the configuration passed on and BullMQ’s own execArgv', () => {
    const options = sandboxOptions('process', env, ['--import', 'tsx']);
    expect(options.useWorkerThreads).toBe(false);
    expect(options.workerForkOptions).toEqual({ env });
  });

  it('gives a thread sandbox no V8 option, even when this process was started with them', () => {
    const options = sandboxOptions('thread', env, [...SCAN_NODE_FLAGS, '--import', 'tsx', '--inspect=9229']);
    expect(options.useWorkerThreads).toBe(true);
    expect(options.workerThreadsOptions).toEqual({ env, execArgv: ['--import', 'tsx'] });
  });
});
