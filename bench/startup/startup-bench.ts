/**
 * The start-up benchmark (issue 16): wall time, CPU time and peak RSS of the compiled CLI
 * (`bin/pushgate.js` running dist/) for `--version`, `--help` and a JSON scan of a ~5 MB image
 * from a real CNCF registry on this machine, against `node -e ''` measured in the same rounds.
 * Targets: `--version` ≤ 3 × `node -e ''`, the scan ≤ 5 × (median wall time). A miss is printed,
 * not an exit code.
 *
 *   npm run build && npm run bench:startup [-- --rounds 10] [--baseline-root DIR]
 *
 * `--baseline-root DIR`: also measure DIR/bin/pushgate.js (another checkout with its own dist/,
 * e.g. main before a change), for before/after figures from one run.
 *
 * Each round runs every command once, in turn, so a busy moment of this shared machine hits all
 * of them alike. Wall time is taken here from spawn to exit; CPU time (user + system) and
 * peak RSS come from GNU time's report on the same process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pushImage } from '../../test/support/image-builder.js';
import { startRegistry } from '../../test/support/registry.js';
import { smallImage } from '../support/small-image.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}
const ROUNDS = Number(option('--rounds') ?? 10);
const BASELINE_ROOT = option('--baseline-root');
const GNU_TIME = '/usr/bin/time';
const TARGETS: Record<string, number> = { '--version': 3, scan: 5 };

for (const root of [ROOT, ...(BASELINE_ROOT ? [BASELINE_ROOT] : [])]) {
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
    console.error(`bench:startup measures the compiled CLI: run \`npm run build\` in ${root} first`);
    process.exit(1);
  }
}
if (!existsSync(GNU_TIME)) {
  console.error(`bench:startup needs GNU time at ${GNU_TIME} (Debian package time) for CPU and peak RSS`);
  process.exit(1);
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMiB: number;
}

interface Measured {
  label: string;
  /** The row the ratio target applies to, if any. */
  target?: number;
  argv: string[];
  samples: Sample[];
}

const work = mkdtempSync(join(tmpdir(), 'pushgate-startup-bench-'));
const timeFile = join(work, 'time.txt');

/**
 * One run of `node ARGV` under GNU time. Asynchronous on purpose: the registry's log is a pipe
 * into this process, and a synchronous spawn would leave it unread until the registry blocks.
 */
async function runOnce(argv: string[]): Promise<Sample> {
  const start = performance.now();
  const child = spawn(GNU_TIME, ['-o', timeFile, '-f', '%U %S %M', process.execPath, ...argv], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const wallMs = performance.now() - start;
  if (code !== 0) throw new Error(`node ${argv.join(' ')} exited with ${code}:\n${stderr}`);
  const [user, system, maxKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ');
  return { wallMs, cpuMs: (Number(user) + Number(system)) * 1000, rssMiB: Number(maxKiB) / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const registry = await startRegistry();
try {
  const built = await smallImage('run 0');
  const size = built.layers.reduce((n, l) => n + l.size, 0) + built.config.size;
  await pushImage({ url: registry.url, repository: 'bench/startup', tag: '1' }, built);
  const reference = `${registry.host}/bench/startup:1`;

  const cli = (root: string, suffix: string): Measured[] => {
    const bin = join(root, 'bin', 'pushgate.js');
    return [
      { label: `pushgate --version${suffix}`, target: TARGETS['--version'], argv: [bin, '--version'] },
      { label: `pushgate --help${suffix}`, argv: [bin, '--help'] },
      {
        label: `pushgate scan${suffix}`,
        target: TARGETS.scan,
        argv: [bin, 'scan', '--plain-http', '--no-progress', '-f', 'json', reference],
      },
    ].map((m) => ({ ...m, samples: [] }));
  };
  const baseline: Measured = { label: "node -e ''", argv: ['-e', ''], samples: [] };
  const rows = [baseline, ...cli(ROOT, ''), ...(BASELINE_ROOT ? cli(BASELINE_ROOT, ' (baseline root)') : [])];

  // One unrecorded run each: the page cache and the registry are warm for every recorded round.
  for (const row of rows) await runOnce(row.argv);
  for (let round = 0; round < ROUNDS; round++)
    for (const row of rows) row.samples.push(await runOnce(row.argv));

  const base = median(baseline.samples.map((s) => s.wallMs));
  const baseBest = Math.min(...baseline.samples.map((s) => s.wallMs));
  const baseCpu = median(baseline.samples.map((s) => s.cpuMs));
  console.log(
    `${ROUNDS} interleaved rounds, Node ${process.version}, image ${(size / 1e6).toFixed(1)} MB from ${registry.url}`,
  );
  const header = ['wall median', 'best', 'CPU median', 'peak RSS', '× wall', '× best', '× CPU'];
  const widths = [11, 7, 10, 9, 7, 7, 6];
  const line = (label: string, cells: string[]): string =>
    `${label.padEnd(36)} ${cells.map((cell, i) => cell.padStart(widths[i])).join(' ')}`;
  console.log(line('command', header));
  const verdicts: string[] = [];
  for (const row of rows) {
    const wall = median(row.samples.map((s) => s.wallMs));
    const best = Math.min(...row.samples.map((s) => s.wallMs));
    const cpu = median(row.samples.map((s) => s.cpuMs));
    const rss = median(row.samples.map((s) => s.rssMiB));
    const ratio = wall / base;
    console.log(
      line(row.label, [
        `${wall.toFixed(0)} ms`,
        `${best.toFixed(0)} ms`,
        `${cpu.toFixed(0)} ms`,
        `${rss.toFixed(0)} MiB`,
        ratio.toFixed(1),
        (best / baseBest).toFixed(1),
        (cpu / baseCpu).toFixed(1),
      ]),
    );
    if (row.target !== undefined) {
      verdicts.push(
        `${row.label}: ${ratio.toFixed(1)} × node -e '' (median wall; best ${(best / baseBest).toFixed(1)} ×)  target ≤ ${row.target} ×  ${ratio <= row.target ? 'PASS' : 'MISS'}`,
      );
    }
  }
  for (const line of verdicts) console.log(line);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
