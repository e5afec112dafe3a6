/**
 * The hostile-input catalogue of issue 9: every case in cases/index.ts runs through the real CLI
 * in a child process, which must exit with the case's code, print no stack trace and no raw
 * control character on stdout or stderr, and peak under 300 MiB of RSS (the CLI process itself,
 * measured by measured-cli.mjs) unless the case says otherwise — only the million-entry layer does.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/temp-dir.js';
import { assertUniqueCaseIds, CATALOGUE } from './cases/index.js';
import type { CaseContext, HostileCase } from './hostile-case.js';
import { findRawControl, findStackTrace, showEscaped } from './output-checks.js';
import { rssFileIn, runMeasuredCli, type MeasuredRun } from './run-measured-cli.js';

const RSS_BOUND_MB = 300;
const DEFAULT_MAX_SECONDS = 60;
const DEFAULT_TEST_TIMEOUT_MS = 120_000;
const casesFolder = fileURLToPath(new URL('./cases/', import.meta.url));

function isHostileCase(value: unknown): value is HostileCase {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as HostileCase).id === 'string' &&
    typeof (value as HostileCase).build === 'function'
  );
}

/** What is wrong with a run, one line each (empty when the case holds). */
function problemsOf(c: HostileCase, run: MeasuredRun): string[] {
  const problems: string[] = [];
  const tail = (text: string): string => showEscaped(text.slice(-1500));
  if (run.timedOut) {
    problems.push(`still running after ${c.maxSeconds ?? DEFAULT_MAX_SECONDS}s: killed`);
  } else if (run.code !== c.expect.exit) {
    problems.push(`exit ${run.code}, expected ${c.expect.exit}`);
  }
  const maxSeconds = c.maxSeconds ?? DEFAULT_MAX_SECONDS;
  if (!run.timedOut && run.seconds > maxSeconds)
    problems.push(`took ${run.seconds.toFixed(1)}s > ${maxSeconds}s`);
  for (const [name, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr],
  ] as const) {
    const stack = findStackTrace(text);
    if (stack) problems.push(`${name} shows a stack trace: ${stack}`);
    const control = findRawControl(text);
    if (control) problems.push(`${name} carries a raw control character: ${control}`);
  }
  const bound = c.maxRssMb ?? RSS_BOUND_MB;
  if (run.rssMb === null) problems.push('the CLI never reported its peak RSS (killed before exit?)');
  else if (run.rssMb > bound) problems.push(`peak RSS ${run.rssMb.toFixed(0)} MiB > ${bound} MiB`);
  for (const pattern of c.expect.stderrMatches ?? []) {
    if (!pattern.test(run.stderr)) problems.push(`stderr does not match ${pattern}`);
  }
  for (const pattern of c.expect.stdoutMatches ?? []) {
    if (!pattern.test(run.stdout)) problems.push(`stdout does not match ${pattern}`);
  }
  if (c.expect.stdoutIsJson) {
    try {
      JSON.parse(run.stdout);
    } catch (err) {
      problems.push(`stdout is not JSON: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) {
    problems.push(`--- stderr (tail) ---\n${tail(run.stderr)}`, `--- stdout (tail) ---\n${tail(run.stdout)}`);
  }
  return problems;
}

describe('hostile-input catalogue (issue 9)', () => {
  let registry: Promise<TestRegistry> | undefined;
  const summary: string[] = [];

  afterAll(async () => {
    if (registry) await (await registry.catch(() => undefined))?.stop();
    if (summary.length > 0) {
      const header = `${'case'.padEnd(36)} ${'hole'.padEnd(5)} ${'exit'.padStart(4)} ${'RSS MiB'.padStart(8)} ${'seconds'.padStart(8)}  result`;
      console.log(
        `hostile-input catalogue: peak RSS of the CLI process per case\n${header}\n${summary.join('\n')}`,
      );
    }
  });

  it('lists every case file of test/hostile/cases exactly once, with unique ids', async () => {
    const files = (await readdir(casesFolder)).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const module = (await import(pathToFileURL(`${casesFolder}${file}`).href)) as Record<string, unknown>;
      const exported = Object.values(module)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .filter(isHostileCase);
      expect(exported, `${file} exports no case`).not.toHaveLength(0);
      for (const c of exported) expect(CATALOGUE, `${file}: case "${c.id}" is not in CATALOGUE`).toContain(c);
    }
    expect(() => assertUniqueCaseIds(CATALOGUE)).not.toThrow();
    expect(() => assertUniqueCaseIds([CATALOGUE[0], { ...CATALOGUE[0] }])).toThrow(/listed twice/);
    for (const c of CATALOGUE) expect(c.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it('measures the CLI process itself (a trivial run reports a plausible peak RSS)', async () => {
    const dir = await tempDir('pushgate-hostile-');
    try {
      const run = await runMeasuredCli(['--version'], { maxSeconds: 30, rssFile: rssFileIn(dir.path) });
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(run.rssMb).toBeGreaterThan(20);
      expect(run.rssMb).toBeLessThan(RSS_BOUND_MB);
    } finally {
      await dir.remove();
    }
  });

  for (const c of CATALOGUE) {
    it(
      `${c.hole ? `hole ${c.hole}` : 'classic'}: ${c.id}: ${c.title}`,
      async () => {
        const dir = await tempDir('pushgate-hostile-');
        const cleanups: Array<() => Promise<void> | void> = [];
        const ctx: CaseContext = {
          dir: dir.path,
          registry: () => (registry ??= startRegistry()),
          onCleanup: (fn) => cleanups.push(fn),
        };
        let run: MeasuredRun | undefined;
        try {
          const { args, env } = await c.build(ctx);
          run = await runMeasuredCli(args, {
            env,
            maxSeconds: c.maxSeconds ?? DEFAULT_MAX_SECONDS,
            rssFile: rssFileIn(dir.path),
          });
        } finally {
          for (const fn of cleanups.reverse()) await fn();
          await dir.remove();
        }
        const problems = problemsOf(c, run);
        summary.push(
          `${c.id.padEnd(36)} ${(c.hole ?? '-').padEnd(5)} ${String(run.code ?? 'kill').padStart(4)} ` +
            `${(run.rssMb === null ? '?' : run.rssMb.toFixed(0)).padStart(8)} ${run.seconds.toFixed(1).padStart(8)}  ` +
            `${problems.length === 0 ? 'ok' : 'FAIL'}`,
        );
        expect(problems, `${c.id}: ${c.title}`).toEqual([]);
      },
      c.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS,
    );
  }
});
