/**
 * Node options that make a cold scan cheaper on a machine whose cores the scan keeps busy: opt-in
 * (README, "How it reads images") and what `bench:scan` measures with `PUSHGATE_BENCH_SCAN_OPTIONS=1`.
 * Nothing starts pushgate with them by default:
 * - a shebang cannot carry them portably (BusyBox `env` has no `-S`), and `NODE_OPTIONS` refuses
 *   `--single-threaded-gc`;
 * - BullMQ inspector processes forked with them made a service's shutdown hang now and then
 *   (test/integration/pipeline/openapi-contract.test.ts in .ci/run; not diagnosed).
 *
 * `--single-threaded-gc`: a scan keeps every core busy with its own threads (a layer on this
 * thread, one on a layer thread, inflating on libuv's pool), and V8's parallel and concurrent GC
 * helpers only compete with them: without them a cold scan used 8–14 % less CPU on 2 cores (issue
 * 16; `bench/scan/README.md`), and 1–9 % less since scans raise V8's heap growth
 * (`facts/scan-heap-growth.ts`). Garbage is found later, so the peak RSS rises by 15–40 MiB; two
 * malloc arenas (scanProcessEnv) take most of that back.
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
 * The execArgv for a worker thread started by this process: its own without SCAN_NODE_FLAGS and
 * without `--inspect*`. Other V8 options a user gives node are still refused by a thread (the layer
 * thread pool then starts its threads without any).
 */
export function threadSafeExecArgv(argv: readonly string[] = process.execArgv): string[] {
  return argv.filter((arg) => !SCAN_NODE_FLAGS.includes(arg) && !arg.startsWith('--inspect'));
}
