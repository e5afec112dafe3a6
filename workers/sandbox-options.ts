import type { WorkerOptions } from 'bullmq';
import { threadSafeExecArgv } from '../src/node-flags.js';

/**
 * How BullMQ starts the inspector sandboxes. `env` carries the resolved configuration's path to
 * both kinds. A thread sandbox gets only the options a thread accepts: BullMQ would hand it this
 * process's whole execArgv, and a Worker refuses V8 options (src/node-flags.ts). A forked process
 * gets BullMQ's default (this process's execArgv): forked with SCAN_NODE_FLAGS, inspectors made a
 * service's shutdown hang now and then, so they are not used here (issue 16 note).
 */
export function sandboxOptions(
  sandbox: 'process' | 'thread',
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[] = process.execArgv,
): Pick<WorkerOptions, 'useWorkerThreads' | 'workerForkOptions' | 'workerThreadsOptions'> {
  return {
    useWorkerThreads: sandbox === 'thread',
    workerForkOptions: { env },
    workerThreadsOptions: { env, execArgv: threadSafeExecArgv(execArgv) },
  };
}
