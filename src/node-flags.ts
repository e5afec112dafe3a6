/**
 * How pushgate starts the processes that read images: the BullMQ inspector processes of a worker
 * (workers/sandbox-options.ts) and the scan benchmark's child. Other processes (the CLI, `serve`)
 * keep Node's defaults: a shebang cannot carry them portably (BusyBox `env` has no `-S`), and the
 * API server has no use for them. A CI job can opt in for `pushgate scan` (README, "Scanning
 * images").
 *
 * `--single-threaded-gc`: a scan keeps every core busy with its own threads (a layer on this
 * thread, one on a layer thread, inflating on libuv's pool). V8's parallel and concurrent GC helpers
 * then only compete with them for the same cores: with them off, a cold scan took 8–14 % less wall
 * time and CPU on 2 cores (issue 16; `bench/scan/README.md`). The heaps are small (the layers
 * stream through), so the pauses stay short. Garbage is found a little later, so the peak RSS
 * rises (past 256 MiB on the /usr bench image in some runs); two malloc arenas (scanProcessEnv) and
 * the layer threads' young generation (layer-thread-pool.ts) take most of it back.
 * `--max-semi-space-size=4` took back more, but forked inspectors started with it made a service's
 * shutdown hang now and then (test/integration/pipeline/openapi-contract.test.ts; not diagnosed).
 *
 * V8 options are process-wide: a worker thread refuses them in its execArgv (ERR_WORKER_INVALID_EXEC_ARGV)
 * and has them anyway; the threads pushgate starts get `threadSafeExecArgv()`.
 */
export const SCAN_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/**
 * The environment of a scanning process: `env` with `MALLOC_ARENA_MAX=2` unless it sets its own.
 * glibc gives each thread that allocates (libuv's pool inflating, layer threads) its own malloc
 * arena, and each keeps the 1 MiB buffers it freed; two arenas took 20–30 MiB off a cold scan's
 * peak RSS at the same speed (issue 16).
 */
export function scanProcessEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2' };
}

/**
 * The execArgv of a scanning child process: this process's own with SCAN_NODE_FLAGS added once,
 * without `--inspect*` (a child cannot listen on the port this process has).
 */
export function scanProcessExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const own = argv.filter((arg) => !arg.startsWith('--inspect'));
  return [...own, ...SCAN_NODE_FLAGS.filter((flag) => !own.includes(flag))];
}

/**
 * The execArgv for a worker thread started by this process: its own without SCAN_NODE_FLAGS and
 * without `--inspect*`. Other V8 options a user gives node are still refused by a thread (the layer
 * thread pool then starts its threads without any).
 */
export function threadSafeExecArgv(argv: readonly string[] = process.execArgv): string[] {
  return argv.filter((arg) => !SCAN_NODE_FLAGS.includes(arg) && !arg.startsWith('--inspect'));
}
