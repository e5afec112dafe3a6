import type { WorkerOptions } from 'bullmq';
import { scanProcessEnv, scanProcessExecArgv, threadSafeExecArgv } from '../src/node-flags.js';

/**
 * How BullMQ starts the inspector sandboxes. A forked process reads images, so it starts as a
 * scanning process (src/node-flags.ts: single-threaded GC, two malloc arenas); a thread sandbox
 * shares this process and gets only the options a thread accepts (BullMQ would hand it this
 * process's whole execArgv). `env` carries the resolved configuration's path to both.
 */
export function sandboxOptions(
  sandbox: 'process' | 'thread',
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[] = process.execArgv,
): Pick<WorkerOptions, 'useWorkerThreads' | 'workerForkOptions' | 'workerThreadsOptions'> {
  return {
    useWorkerThreads: sandbox === 'thread',
    workerForkOptions: { env: scanProcessEnv(env), execArgv: scanProcessExecArgv(execArgv) },
    workerThreadsOptions: { env, execArgv: threadSafeExecArgv(execArgv) },
  };
}
