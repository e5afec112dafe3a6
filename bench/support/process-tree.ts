import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux Node runs on). */
const TICKS_PER_SECOND = 100;

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  const stat = readProc(pid, 'stat');
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `root` and every live descendant (a worker and its forked sandboxes), from /proc's parent links. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (fields === undefined) continue;
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** User + system CPU time a process has used so far, in ms (0 once it is gone). */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  if (fields === undefined) return 0;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** A `kB` field of /proc/<pid>/status or smaps_rollup, in bytes (0 when absent). */
function kbField(text: string | undefined, name: string): number {
  const match = text === undefined ? null : new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

export interface ProcessMemory {
  pid: number;
  /** Resident set now. */
  rssBytes: number;
  /** Peak resident set over the process's life (VmHWM). */
  hwmBytes: number;
  /**
   * Proportional set size now: shared pages (the node binary, the page cache of shared libraries)
   * divided among the processes mapping them, so the sum over a tree counts each page once, as a
   * container's memory cgroup does.
   */
  pssBytes: number;
}

export function processMemory(pid: number): ProcessMemory {
  const status = readProc(pid, 'status');
  return {
    pid,
    rssBytes: kbField(status, 'VmRSS'),
    hwmBytes: kbField(status, 'VmHWM'),
    pssBytes: kbField(readProc(pid, 'smaps_rollup'), 'Pss'),
  };
}

export interface TreePeak {
  /** Highest sampled sum of RSS over the tree. */
  rssBytes: number;
  /** Highest sampled sum of PSS over the tree. */
  pssBytes: number;
  /** Most processes seen in the tree at once. */
  processes: number;
  samples: number;
}

/**
 * Samples the memory of `root`'s process tree every `intervalMs` until stopped. A sampled peak can
 * miss a spike shorter than the interval; the sum of the processes' VmHWM (read by the caller before
 * the tree exits) bounds it from above.
 */
export function sampleTreeMemory(root: number, intervalMs = 100): { stop(): TreePeak } {
  const peak: TreePeak = { rssBytes: 0, pssBytes: 0, processes: 0, samples: 0 };
  const sample = (): void => {
    const tree = processTree(root).map(processMemory);
    peak.rssBytes = Math.max(
      peak.rssBytes,
      tree.reduce((n, p) => n + p.rssBytes, 0),
    );
    peak.pssBytes = Math.max(
      peak.pssBytes,
      tree.reduce((n, p) => n + p.pssBytes, 0),
    );
    peak.processes = Math.max(peak.processes, tree.length);
    peak.samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peak };
    },
  };
}

/** CPU time of a whole tree so far, in ms (processes that already exited are not counted). */
export function treeCpuMs(root: number): number {
  return processTree(root).reduce((n, pid) => n + cpuMs(pid), 0);
}
