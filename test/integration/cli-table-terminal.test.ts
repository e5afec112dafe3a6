import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDockerArchive } from '../support/image-builder.js';
import { REPO_ROOT, runCli } from '../support/run-cli.js';
import { buildSingleStageImage } from '../support/seed-images.js';
import { tempDir } from '../support/temp-dir.js';

const BIN = fileURLToPath(new URL('../../bin/pushgate.js', import.meta.url));
// eslint-disable-next-line no-control-regex -- looking for escape codes is the point
const ESC = /\x1b\[/;

/** The real CLI on a pseudo-terminal (util-linux `script`), `cols` wide; stdout and stderr both land there. */
function runOnTerminal(args: string[], cols: number, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      'script',
      ['-qec', `stty cols ${cols} rows 50; ${quoted}`, '/dev/null'],
      { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) =>
        err && typeof err.code !== 'number' ? reject(err) : resolve(stdout.replaceAll('\r', '')),
    );
  });
}

describe('the table report on a terminal and in a pipe', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;

  beforeAll(async () => {
    dir = await tempDir();
    image = join(dir.path, 'single.tar');
    await writeDockerArchive(image, await buildSingleStageImage(), ['seed/single:1']);
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('aligns the layer table under its headers (numbers right-aligned, text left-aligned)', async () => {
    const { stdout } = await runCli(['scan', image]);
    const lines = stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('  LAYER'));
    const header = lines[head];
    const rows = lines.slice(head + 1, head + 4);
    const end = (word: string): number => header.indexOf(word) + word.length;
    for (const row of rows) {
      const cells = row.trim().split(/ {2,}/);
      // right-aligned: each cell ends where its header ends
      expect(row.indexOf(cells[0]) + cells[0].length).toBe(end('LAYER'));
      expect(row.indexOf(cells[2]) + cells[2].length).toBe(end('SIZE'));
      expect(row.indexOf(` ${cells[3]}  `, end('SIZE')) + 1 + cells[3].length).toBe(end('FILES'));
      // left-aligned: each cell starts where its header starts
      expect(row.indexOf(cells[1])).toBe(header.indexOf('DIGEST'));
      expect(row.indexOf('/bin/sh -c')).toBe(header.indexOf('CREATED BY'));
    }
  });

  it('numbers layers from 0 in the progress, the layer table and the evidence alike', async () => {
    const out = await runOnTerminal(['scan', image], 200);
    const tableRow = /^ +2 {2}sha256:([0-9a-f]{12}) /m.exec(out);
    expect(tableRow).not.toBeNull();
    // The same layer, the same number: progress, table, and evidence of a file that layer added.
    expect(out).toContain(`layer 2 (0–2) ${tableRow?.[1]}`);
    expect(out).toContain('/app/.env [layer 2]');
  });

  it('colours severities and the decision on a terminal, never in a pipe or under NO_COLOR', async () => {
    const terminal = await runOnTerminal(['scan', '--no-progress', '--policy', 'policies/', image], 200);
    expect(terminal).toContain('\x1b[31mHIGH\x1b[0m     compiler-present');
    expect(terminal).toContain('Decision  \x1b[1;31mREJECT\x1b[0m');
    const noColour = await runOnTerminal(['scan', '--no-progress', image], 200, { NO_COLOR: '1' });
    expect(noColour).toContain('HIGH     compiler-present');
    expect(noColour).not.toMatch(ESC);
    const pipe = await runCli(['scan', '--policy', 'policies/', image]);
    expect(pipe.stdout).toContain('Decision  REJECT');
    expect(pipe.stdout).not.toMatch(ESC);
  });

  it('wraps to the terminal width on a terminal; a pipe gets whole lines', async () => {
    const narrow = await runOnTerminal(['scan', '--no-progress', image], 80, { NO_COLOR: '1' });
    const lines = narrow.split('\n');
    expect(lines.filter((l) => [...l].length > 80)).toEqual([]);
    expect(narrow).toMatch(/\n {17}\S/); // a continuation, indented past its line
    const { stdout } = await runCli(['scan', image]);
    expect(stdout.split('\n').some((l) => [...l].length > 80)).toBe(true);
  });
});
