import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NODE_ENV, NODE_FLAGS, nodeEnvAssignments, threadSafeExecArgv } from '../../src/node-flags.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

describe("pushgate's V8 options (src/node-flags.ts)", () => {
  it('and NODE_ENV are what the shebang, npm start and the image start node with', () => {
    const shebang = readFileSync(join(ROOT, 'bin/pushgate.js'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S ${nodeEnvAssignments()} node ${NODE_FLAGS.join(' ')}`);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    expect(pkg.scripts.start).toBe(
      `${nodeEnvAssignments()} node ${NODE_FLAGS.join(' ')} bin/pushgate.js start`,
    );
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    for (const [name, value] of Object.entries(NODE_ENV))
      expect(dockerfile).toMatch(new RegExp(`^ENV ${name}=${value}$`, 'm'));
    const entrypoint = /^ENTRYPOINT (.*)$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entrypoint ?? 'null')).toEqual([
      '/nodejs/bin/node',
      ...NODE_FLAGS,
      '/app/bin/pushgate.js',
    ]);
  });

  it('are left out of the options a worker thread gets, with --inspect (a thread refuses or cannot use them)', () => {
    expect(
      threadSafeExecArgv([...NODE_FLAGS, '--inspect=9229', '--import', 'tsx', '--enable-source-maps']),
    ).toEqual(['--import', 'tsx', '--enable-source-maps']);
  });

  it('reach node when bin/pushgate.js runs as a program (env -S splits the shebang)', async () => {
    const { stdout } = await run(join(ROOT, 'bin/pushgate.js'), ['--version'], { cwd: ROOT });
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('leave layer threads working: a thread is not handed them, and reads as this thread does', async () => {
    const { stdout } = await run(
      process.execPath,
      [...NODE_FLAGS, '--import', 'tsx', join(ROOT, 'test/support/threads-under-node-flags.ts')],
      { cwd: ROOT },
    );
    const result = JSON.parse(stdout) as {
      execArgv: string[];
      threadExecArgv: string[];
      same: boolean;
      secrets: number;
    };
    expect(result.execArgv).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    for (const flag of NODE_FLAGS) expect(result.threadExecArgv).not.toContain(flag);
    expect(result.same).toBe(true);
    expect(result.secrets).toBe(1);
  });
});
