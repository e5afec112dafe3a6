/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function and per file, busiest
 * first, with idle, GC and program time apart. Usage: tsx bench/support/cpu-profile-summary.ts FILE [TOP]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarise(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    total += us;
    const file = frame.url
      .replace(/^.*\/node_modules\//, 'node_modules/')
      .replace(/^file:\/\/.*?\/(src|bench|workers)\//, '$1/');
    const fn = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const fileKey = file === '' ? `(${frame.functionName})` : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const ms = (us: number): string =>
    `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const list = (m: Map<string, number>): string[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `  ${ms(us)}  ${name}`);
  return [
    `profile: ${(total / 1e6).toFixed(2)} s sampled on the main thread`,
    'self time by file:',
    ...list(byFile),
    'self time by function:',
    ...list(byFunction),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary.ts FILE.cpuprofile [TOP]');
  process.stdout.write(
    `${summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25))}\n`,
  );
}
