/**
 * V8 options every pushgate process starts with: the `bin/pushgate.js` shebang, `npm start`, the
 * image's ENTRYPOINT and the benchmarks' children carry exactly these (a unit test checks), and
 * BullMQ hands them on to the inspector processes it forks.
 *
 * `--single-threaded-gc`: a scan keeps every core busy with its own threads (a layer on this
 * thread, one on a layer thread, inflating on libuv's pool). V8's parallel and concurrent GC helpers
 * then only compete with them for the same cores: with them off, a cold scan took 8–14 % less wall
 * time and CPU on 2 cores (issue 16; `bench/scan/README.md`). The heaps are small (the layers
 * stream through), so the pauses stay short. Garbage is then found a little later; the layer
 * threads' smaller young generation (layer-thread-pool.ts) and NODE_ENV keep the peak RSS where it
 * was. (`--max-semi-space-size=4` for the whole process did that too, but added 15 ms to start-up.)
 *
 * V8 options are process-wide: a worker thread refuses them in its execArgv (ERR_WORKER_INVALID_EXEC_ARGV)
 * and has them anyway; every thread pushgate starts gets `threadSafeExecArgv()`.
 */
export const NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/**
 * Environment pushgate's processes start with (set the same places as NODE_FLAGS; the image sets
 * it with ENV, so `docker run -e` overrides it). `MALLOC_ARENA_MAX=2`: glibc gives each thread
 * that allocates (libuv's pool inflating, layer threads, V8's helpers) its own malloc arena, and
 * each keeps the 1 MiB buffers it freed; two arenas took 20–30 MiB off a cold scan's peak RSS at
 * the same speed (issue 16).
 */
export const NODE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** `NAME=value …` of NODE_ENV, as the shebang and `npm start` write it. */
export function nodeEnvAssignments(): string {
  return Object.entries(NODE_ENV)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
}

/**
 * The options for a worker thread started by this process: its own execArgv without NODE_FLAGS,
 * and without `--inspect*` (a thread cannot listen on the port the process has).
 */
export function threadSafeExecArgv(argv: readonly string[] = process.execArgv): string[] {
  return argv.filter((arg) => !NODE_FLAGS.includes(arg) && !arg.startsWith('--inspect'));
}
